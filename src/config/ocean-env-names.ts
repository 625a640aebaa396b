/**
 * Document paths of the single Ocean-style integration, written as the environment variable an
 * Ocean operator would set: `integrations[0].config.jiraHost` is `OCEAN__INTEGRATION__CONFIG__JIRA_HOST`.
 */
export function oceanEnvName(path: string): string {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  const parts = path.replace(/^integrations\[0\]\.?/, 'integration.').split('.').filter(Boolean);
  if (parts[0] === 'server' && parts[1] === 'port') return 'APPLICATION__PORT';
  if (parts[0] === 'server' && parts[1] === 'publicUrl') return 'OCEAN__BASE_URL';
  if (parts[0] === 'log' && parts[1] === 'level') return 'APPLICATION__LOG_LEVEL';
  if (parts[0] === 'integration' && ['eventListener', 'scheduledResyncInterval', 'initializePortResources', 'allowEnvironmentVariablesJqAccess'].includes(parts[1] ?? '')) parts.shift();
  return `OCEAN__${parts.map(snake).join('__')}`;
}
