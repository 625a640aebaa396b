export { createHost, staticProblems, type Host, type HostOptions, type HostState, type ReconfigureResult } from './host.js';
export { Integration, type ErrorReport, type IntegrationDependencies, type IntegrationSnapshot, type IntegrationStatus } from './integration.js';
export { createDefaultImporter, type ImportModule } from './import-module.js';
export { discoverPlugins, findEntry, findPluginDir, loadPlugin, readPluginFolder, ENTRY_FILES, type LoadedPlugin, type PluginFolder } from './plugin-loader.js';
export { watchPlugins, type PluginWatcher, type PluginWatcherOptions } from './plugin-watcher.js';
export { createHttpClient, bypassesProxy, type HttpClientOptions } from './http-client.js';
export { createPluginCache } from './plugin-cache.js';
export { startDaemon, type Daemon, type DaemonOptions } from './daemon.js';
