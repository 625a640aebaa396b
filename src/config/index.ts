/** Host configuration: `config/marina.yaml`, `${ENV}` interpolation, Ocean's env variables, plugin specs. */
export {
  embeddedPortSettings,
  loadHostConfig,
  originPath,
  parseHostConfig,
  portConnection,
  type EmbeddedPortSettings,
  type EventListenerConfig,
  type HostConfig,
  type HostConfigDefaults,
  type IntegrationConfig,
  type LogLevel,
  type MappingSource,
  type PortConnection,
  type PortSettings,
} from './host-config.js';
export { hasOceanIntegration, readOceanEnv, type OceanEnvResult } from './ocean-env.js';
export { findSpecFile, parsePluginSpec, readPluginSpec, sensitiveKeys, specToConfigSchema, type PluginSpec, type SpecConfiguration } from './plugin-spec.js';
export { createPluginConfigValidator, type PluginConfigResult, type PluginConfigValidator } from './plugin-config.js';
export { formatProblem, formatProblems, type Problem } from './problems.js';
