/**
 * Everything a command needs from the process, passed in so commands never touch `process`
 * (only src/main.ts does) and tests can run them in-process.
 */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The Marina checkout (holds package.json, config/, plugins/). */
  packageRoot: string;
  /** Resolves with the signal name on the first SIGTERM or SIGINT. */
  shutdownSignal: Promise<string>;
  /**
   * Installs the handler for promise rejections nobody handled (typically a plugin's background
   * task). Without one, main prints them and exits; `start` logs them instead, redacted, so
   * one plugin's stray promise cannot bring down every integration.
   */
  onUnhandledRejection(handler: (reason: unknown) => void): void;
  /** Installs the handler for SIGHUP (re-read the configuration). */
  onReloadSignal(handler: () => void): void;
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}
