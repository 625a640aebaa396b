import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import type { EmbeddedPortSettings, PortConnection } from '../config/host-config.js';
import { MarinaError } from '../errors.js';
import type { SecretRedactor } from '../observability/secret-redactor.js';

/** The local Port the daemon runs when the config names no Port organization. */
export interface EmbeddedPort {
  /** Such as `http://127.0.0.1:8010`. */
  url: string;
  /** What the integrations use to reach it. */
  connection: PortConnection;
  close(): Promise<void>;
}

export interface EmbeddedPortOptions {
  settings: EmbeddedPortSettings;
  /** The host's data dir; the embedded Port keeps its state in `<dataDir>/emulator`. */
  dataDir: string;
  logger: Logger;
  redactor: SecretRedactor;
  /** Where the config came from, to tell the operator where to fix the port and credentials. */
  configSource: string;
  /** What runs it, recorded in the lock of its data folder for whoever finds it taken. */
  lockCommand?: string;
}

/**
 * Starts the embedded Port (the emulator) on `port.embedded`'s address, with its credentials or
 * a random pair, and logs how to look at what lands in it: its URL, the `/_emulator` inspection
 * routes (no token), and where its `/v1` credentials are set (never their values).
 * @throws MarinaError `HOST_LISTEN_FAILED` when its address is taken or not allowed;
 * `DATA_DIR_LOCKED` when another process holds its data folder.
 */
export async function startEmbeddedPort(options: EmbeddedPortOptions): Promise<EmbeddedPort> {
  const { settings, logger, configSource } = options;
  const { clientId, clientSecret } = settings;
  const fixed = clientId !== undefined && clientSecret !== undefined;
  const credentials = fixed ? { clientId, clientSecret } : { clientId: `marina-local-${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(24).toString('hex') };
  // The id is a name, not a secret (a short one such as "local" would be masked in every line).
  options.redactor.add(credentials.clientSecret);
  // Imported only when needed: a host talking to a real Port never loads the emulator.
  const { startEmulator } = await import('../emulator/index.js');
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator({
      dataDir: path.join(options.dataDir, 'emulator'),
      ...(options.lockCommand === undefined ? {} : { lockCommand: options.lockCommand }),
      host: settings.host,
      port: settings.port,
      credentials: [credentials],
      logger: logger.child({ component: 'emulator' }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const reason = code === 'EADDRINUSE' ? 'the address is already in use' : 'permission denied';
      throw new MarinaError('HOST_LISTEN_FAILED', `The embedded Port cannot listen on ${settings.host}:${settings.port}: ${reason} (set port.embedded.port in ${configSource})`, {
        cause: error,
        details: { host: settings.host, port: settings.port },
      });
    }
    throw error;
  }
  const { url } = emulator;
  const notes = [
    settings.port === 0 ? 'its port changes at every start: set port.embedded.port to keep one' : undefined,
    fixed
      ? `its /v1 API takes the credentials set in port.embedded.clientId and port.embedded.clientSecret of ${configSource}`
      : `its /v1 API takes credentials drawn at random at every start: set port.embedded.clientId and port.embedded.clientSecret in ${configSource} to use it`,
  ].filter((note): note is string => note !== undefined);
  logger.info(
    {
      url,
      state: `${url}/_emulator/state`,
      entities: `${url}/_emulator/entities?blueprint=<blueprint>`,
      integrations: `${url}/_emulator/integrations`,
      api: `${url}/v1`,
      fixedCredentials: fixed,
    },
    `no Port organization configured: the embedded local Port runs at ${url}. See what landed, without a token, at ${url}/_emulator/state and ${url}/_emulator/entities?blueprint=<blueprint>; ${notes.join('; ')}`,
  );
  return { url, connection: { baseUrl: url, ...credentials }, close: () => emulator.close() };
}
