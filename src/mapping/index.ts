/**
 * The mapping stage: port-app-config model and validation, and the engine that turns raw
 * records into Port entities with Ocean's jq semantics (fast path plus jq-wasm worker pool).
 */
export { parsePortAppConfig, loadPortAppConfig, type MappingProblem } from './port-app-config.js';
export {
  createMappingEngine,
  type CompiledResource,
  type FieldProblem,
  type MapPageOptions,
  type MappingEngine,
  type MappingEngineOptions,
} from './engine.js';
export { findJqProblems, type JqProblem } from './jq-problems.js';
export { rewriteSingleQuotes } from './quote-rewrite.js';
export { extractDeletionPath } from './deletion-path.js';
export type {
  EntityMappings,
  ItemError,
  MapCounts,
  MapPageResult,
  PortAppConfig,
  PortEntity,
  ResourceConfig,
  ResourceSelector,
  SearchQueryMapping,
  SearchRuleMapping,
} from './types.js';
export {
  blueprintIdOf,
  classifyMisconfigurations,
  type BlueprintRequirements,
  type MisconfigurationReport,
} from './misconfigurations.js';
