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
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}
