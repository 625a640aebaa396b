import { parsePortAppConfig } from './port-app-config.js';
import { blueprintIdOf, classifyMisconfigurations } from './misconfigurations.js';

test('required properties and relations are errors, the rest warnings (Ocean test 18)', () => {
  const blueprint = { schema: { required: ['url'] }, relations: { team: { required: true }, project: { required: false } } };
  const misconfigurations = {
    'properties.url': '.missing_url',
    'properties.description': '.missing_desc',
    'relations.team': '.missing_team',
    'relations.project': '.missing_project',
  };
  expect(classifyMisconfigurations(misconfigurations, blueprint)).toEqual([
    { path: 'properties.url', expression: '.missing_url', level: 'error' },
    { path: 'properties.description', expression: '.missing_desc', level: 'warning' },
    { path: 'relations.team', expression: '.missing_team', level: 'error' },
    { path: 'relations.project', expression: '.missing_project', level: 'warning' },
  ]);
});

test('a leaf of a search-query relation counts as its relation', () => {
  const blueprint = { relations: { owner: { required: true } } };
  expect(classifyMisconfigurations({ 'relations.owner.rules[0].value': '.owner' }, blueprint)).toEqual([{ path: 'relations.owner.rules[0].value', expression: '.owner', level: 'error' }]);
});

test('without the blueprint everything is a warning (Ocean test 19)', () => {
  expect(classifyMisconfigurations({ 'properties.url': '.u', identifier: '.id' }, undefined).map((r) => r.level)).toEqual(['warning', 'warning']);
});

test('only a constant blueprint mapping names a blueprint', () => {
  const config = parsePortAppConfig(
    `resources:
  - {kind: a, selector: {query: 'true'}, port: {entity: {mappings: {identifier: .id, blueprint: '"service"'}}}}
  - {kind: b, selector: {query: 'true'}, port: {entity: {mappings: {identifier: .id, blueprint: .type}}}}
`,
    'm.yml',
  );
  expect(config.resources.map(blueprintIdOf)).toEqual(['service', undefined]);
});
