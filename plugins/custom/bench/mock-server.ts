/**
 * The mock REST API in a process of its own, so bench:custom measures the plugin and the mock on
 * different event loops. Prints `url <address>` once listening; stops with its parent.
 */
import { startMockRestApi } from '../../../test/support/mock-rest-api/index.js';

const padBytes = Number(process.argv[2] ?? 200);
const mock = await startMockRestApi({ padBytes, logLimit: 0 });
process.stdout.write(`url ${mock.url}\n`);
process.on('disconnect', () => void mock.close().then(() => process.exit(0)));
