/** Word lists the fake organization draws from. Plain ASCII, so one character is one byte of JSON. */

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Aiko', 'Bruno', 'Carmen', 'Chen', 'Dara', 'Dmitri', 'Elena',
  'Emeka', 'Farah', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jamal', 'Julia',
  'Kofi', 'Lars', 'Leila', 'Lucia', 'Mateo', 'Maya', 'Nadia', 'Noah', 'Olga', 'Omar',
  'Priya', 'Quinn', 'Rafael', 'Rosa', 'Sami', 'Sofia', 'Tariq', 'Tomas', 'Uma', 'Viktor',
  'Wen', 'Yara', 'Yusuf', 'Zoe', 'Keanu', 'Ingrid', 'Mei', 'Pablo', 'Sven', 'Thandiwe',
] as const;

export const LAST_NAMES = [
  'Abebe', 'Andersen', 'Bianchi', 'Cohen', 'Dubois', 'Eriksson', 'Fernandes', 'Garcia', 'Haddad', 'Ito',
  'Jensen', 'Kowalski', 'Levi', 'Mbeki', 'Novak', 'Okafor', 'Petrov', 'Quispe', 'Rossi', 'Sato',
  'Schmidt', 'Silva', 'Tanaka', 'Usman', 'Varga', 'Wang', 'Xu', 'Yilmaz', 'Zhang', 'Khan',
  'Lopez', 'Murphy', 'Nguyen', 'OBrien', 'Park', 'Ramos', 'Singh', 'Torres', 'Weber', 'Young',
] as const;

export const EMAIL_DOMAINS = ['acme.test', 'globex.test', 'initech.test', 'umbrella.test', 'hooli.test'] as const;

export const JOB_TITLES = [
  'Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager', 'Product Manager',
  'Designer', 'Data Analyst', 'Site Reliability Engineer', 'Recruiter', 'Accountant', 'Support Specialist',
  'Marketing Manager', 'Security Engineer', 'Technical Writer', 'QA Engineer',
] as const;

export const SKILLS = [
  'typescript', 'python', 'go', 'rust', 'kubernetes', 'terraform', 'postgres', 'kafka', 'react', 'figma',
  'sql', 'excel', 'negotiation', 'public-speaking', 'incident-response', 'aws', 'gcp', 'azure', 'jq', 'linux',
] as const;

/** Ocean's fake integration ships these five departments; more are named from the extra list. */
export const DEPARTMENTS = [
  { id: 'hr', name: 'Human Resources' },
  { id: 'marketing', name: 'Marketing' },
  { id: 'finance', name: 'Finance' },
  { id: 'support', name: 'Customer Support' },
  { id: 'engineering', name: 'Engineering' },
  { id: 'sales', name: 'Sales' },
  { id: 'legal', name: 'Legal' },
  { id: 'security', name: 'Security' },
  { id: 'research', name: 'Research' },
  { id: 'design', name: 'Design' },
] as const;

export const OFFICES = [
  { id: 'tlv', name: 'Tel Aviv HQ', city: 'Tel Aviv', country: 'Israel', lat: 32.0853, lng: 34.7818, timezone: 'Asia/Jerusalem', street: 'Rothschild Blvd 22' },
  { id: 'nyc', name: 'New York', city: 'New York', country: 'United States', lat: 40.7128, lng: -74.006, timezone: 'America/New_York', street: '5th Avenue 350' },
  { id: 'lon', name: 'London', city: 'London', country: 'United Kingdom', lat: 51.5074, lng: -0.1278, timezone: 'Europe/London', street: 'Old Street 1' },
  { id: 'ber', name: 'Berlin', city: 'Berlin', country: 'Germany', lat: 52.52, lng: 13.405, timezone: 'Europe/Berlin', street: 'Torstrasse 140' },
  { id: 'blr', name: 'Bangalore', city: 'Bangalore', country: 'India', lat: 12.9716, lng: 77.5946, timezone: 'Asia/Kolkata', street: 'MG Road 12' },
  { id: 'sao', name: 'Sao Paulo', city: 'Sao Paulo', country: 'Brazil', lat: -23.5505, lng: -46.6333, timezone: 'America/Sao_Paulo', street: 'Avenida Paulista 1000' },
  { id: 'tyo', name: 'Tokyo', city: 'Tokyo', country: 'Japan', lat: 35.6762, lng: 139.6503, timezone: 'Asia/Tokyo', street: 'Shibuya 2-21-1' },
  { id: 'lag', name: 'Lagos', city: 'Lagos', country: 'Nigeria', lat: 6.5244, lng: 3.3792, timezone: 'Africa/Lagos', street: 'Admiralty Way 7' },
] as const;

export const TEAM_ADJECTIVES = [
  'Platform', 'Core', 'Growth', 'Payments', 'Identity', 'Search', 'Mobile', 'Data', 'Infra', 'Billing',
  'Onboarding', 'Insights', 'Edge', 'Runtime', 'Tooling', 'Compliance',
] as const;

export const TEAM_NOUNS = [
  'Falcons', 'Otters', 'Pioneers', 'Rangers', 'Owls', 'Foxes', 'Builders', 'Navigators', 'Lynx', 'Herons',
] as const;

export const PROJECT_CODENAMES = [
  'Aurora', 'Bluebird', 'Cobalt', 'Daybreak', 'Ember', 'Fjord', 'Granite', 'Helix', 'Iris', 'Juniper',
  'Kestrel', 'Lumen', 'Meridian', 'Nimbus', 'Obsidian', 'Polaris', 'Quartz', 'Riptide', 'Sequoia', 'Tundra',
] as const;

export const PROJECT_STATUSES = ['planned', 'active', 'active', 'active', 'on-hold', 'completed'] as const;

export const TIERS = ['tier-1', 'tier-2', 'tier-3'] as const;

/** Words for bios and descriptions: padding that reads like prose rather than a run of one letter. */
export const PROSE_WORDS = [
  'the', 'team', 'builds', 'and', 'operates', 'services', 'for', 'customers', 'across', 'regions',
  'with', 'a', 'focus', 'on', 'reliability', 'latency', 'cost', 'and', 'developer', 'experience',
  'previously', 'worked', 'in', 'consulting', 'loves', 'hiking', 'coffee', 'open', 'source', 'mentoring',
  'migrated', 'legacy', 'systems', 'to', 'the', 'cloud', 'led', 'incident', 'reviews', 'wrote',
  'internal', 'documentation', 'speaks', 'three', 'languages', 'enjoys', 'chess', 'cycling', 'music', 'data',
  'quarterly', 'roadmap', 'planning', 'budget', 'hiring', 'pipeline', 'security', 'audits', 'release', 'trains',
] as const;
