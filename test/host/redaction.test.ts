import { createLogger } from '../../src/observability/logger.js';
import { createSecretRedactor, REDACTED } from '../../src/observability/secret-redactor.js';
import { createCapture } from './host-test-support.js';

function setUp() {
  const logs = createCapture();
  const redactor = createSecretRedactor();
  const logger = createLogger({ level: 'debug', redactor, destination: { write: logs.write } });
  return { logs, redactor, logger };
}

describe('log redaction', () => {
  it('masks registered secrets in messages, fields, error messages and stack traces', () => {
    const { logs, redactor, logger } = setUp();
    const secret = 'sk_live_51Hq"quoted\\slash';
    redactor.add(secret);
    const error = new Error(`request to https://api.example.com failed with key ${secret}`);
    logger.child({ integration: 'x' }).error({ err: error, detail: { nested: [secret] } }, `failed: ${secret}`);
    expect(logs.text()).not.toContain('sk_live_51Hq');
    const [line] = logs.lines();
    expect(line?.['msg']).toBe(`failed: ${REDACTED}`);
    expect((line?.['err'] as { stack: string }).stack).toContain(`failed with key ${REDACTED}`);
    expect(line?.['detail']).toEqual({ nested: [REDACTED] });
  });

  it('masks authorization headers and token fields by path, and token shapes by pattern', () => {
    const { logs, logger } = setUp();
    logger.info({ headers: { authorization: 'Basic dXNlcjpwYXNz' }, request: { headers: { authorization: 'x' } }, token: 'abc', config: { password: 'p' } }, 'call');
    logger.info('sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig to https://bob:hunter22@git.example.com/repo');
    const text = logs.text();
    for (const leaked of ['dXNlcjpwYXNz', 'eyJhbGciOiJIUzI1NiJ9', 'hunter22', '"abc"', '"p"']) expect(text).not.toContain(leaked);
    const [first, second] = logs.lines();
    expect(first).toMatchObject({ headers: { authorization: REDACTED }, token: REDACTED, config: { password: REDACTED } });
    expect(second?.['msg']).toBe(`sent Authorization: Bearer ${REDACTED} to https://${REDACTED}@git.example.com/repo`);
  });

  it('masks secret-looking query parameters of URLs nobody registered, and keeps JSON lines valid', () => {
    const { logs, logger } = setUp();
    logger.error({ url: 'https://api.example.test/v1/items?page=2&access_token=tok_8h2k1&X-Amz-Signature=abc123' }, 'GET "https://trello.example.test/1/boards?key=k_55aa&token=t_77bb" failed (https://h.test/x?api_key=ak_9)');
    const text = logs.text();
    for (const leaked of ['tok_8h2k1', 'abc123', 'k_55aa', 't_77bb', 'ak_9']) expect(text).not.toContain(leaked);
    const [line] = logs.lines();
    expect(line?.['url']).toBe(`https://api.example.test/v1/items?page=2&access_token=${REDACTED}&X-Amz-Signature=${REDACTED}`);
    expect(line?.['msg']).toBe(`GET "https://trello.example.test/1/boards?key=${REDACTED}&token=${REDACTED}" failed (https://h.test/x?api_key=${REDACTED})`);
  });

  it('ignores values too short to be secrets rather than masking every small word', () => {
    const { logs, redactor, logger } = setUp();
    redactor.add('on');
    redactor.add(undefined);
    logger.info('turned on');
    expect(logs.lines()[0]?.['msg']).toBe('turned on');
  });
});
