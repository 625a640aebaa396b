import path from 'node:path';
import { watch } from 'chokidar';
import type { Logger } from 'pino';

export interface PluginWatcher {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface PluginWatcherOptions {
  directories: readonly string[];
  /** Quiet period after the last file event of a plugin before it is reported. */
  debounceMs: number;
  /** Called once per burst of changes to plugin folder `type` (added, changed or removed). */
  onChange(type: string): void;
  logger: Logger;
}

/**
 * Watches plugin directories and reports which plugin folders changed. Editors and `cp -r`
 * produce bursts of events (temp files, renames, one event per file), so events are debounced
 * per plugin: one reload per burst, after the folder has been quiet for `debounceMs`.
 */
export function watchPlugins(options: PluginWatcherOptions): PluginWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  const watcher = watch([...options.directories], {
    ignoreInitial: true,
    depth: 8,
    ignored: (file) => /(^|[/\\])(node_modules|\.git)([/\\]|$)/.test(file),
  });
  watcher.on('all', (event, file) => {
    const directory = options.directories.find((dir) => file.startsWith(dir + path.sep));
    if (directory === undefined) return;
    const type = path.relative(directory, file).split(path.sep)[0];
    if (!type || type.startsWith('.')) return;
    options.logger.debug({ event, file }, 'plugin file event');
    clearTimeout(timers.get(type));
    timers.set(
      type,
      setTimeout(() => {
        timers.delete(type);
        options.onChange(type);
      }, options.debounceMs),
    );
  });
  watcher.on('error', (error) => options.logger.error({ err: error }, 'plugin watcher error'));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await watcher.close();
    },
  };
}
