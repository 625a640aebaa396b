import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { pino } from 'pino';
import { createKafkaLogCreator, kafkajsLogLevel, REDACTED, scrubSecrets } from './kafka-log.js';

const { logLevel } = kafkajs;

function capture(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { lines, logger };
}

test('secrets are replaced wherever they occur in a string', () => {
  expect(scrubSecrets('user=a password=hunter2 again hunter2', ['hunter2', ''])).toBe(`user=a password=${REDACTED} again ${REDACTED}`);
});

test('kafkajs entries reach pino without the password, in messages, fields, nested objects and errors', () => {
  const { lines, logger } = capture();
  const log = createKafkaLogCreator(logger, ['hunter2'])(logLevel.DEBUG);
  log({
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: {
      timestamp: 'now',
      logger: 'kafkajs',
      message: 'auth with hunter2 failed',
      broker: '127.0.0.1:9092',
      sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' },
      nested: { detail: 'said hunter2', list: ['hunter2'] },
      error: new Error('server rejected hunter2'),
    },
  });
  expect(lines).toHaveLength(1);
  const [line] = lines;
  expect(JSON.stringify(line)).not.toContain('hunter2');
  expect(line).toMatchObject({
    level: 50,
    msg: `auth with ${REDACTED} failed`,
    kafkajs: 'Connection',
    broker: '127.0.0.1:9092',
    sasl: REDACTED,
    nested: { detail: `said ${REDACTED}`, list: [REDACTED] },
    error: { name: 'Error', message: `server rejected ${REDACTED}` },
  });
});

test('kafkajs INFO chatter is debug; warnings and errors keep their level', () => {
  const { lines, logger } = capture();
  const log = createKafkaLogCreator(logger, [])(logLevel.DEBUG);
  for (const level of [logLevel.INFO, logLevel.WARN, logLevel.ERROR]) {
    log({ namespace: 'x', level, label: '', log: { timestamp: '', logger: 'kafkajs', message: `m${level}` } });
  }
  expect(lines.map((l) => [l.msg, l.level])).toEqual([
    [`m${logLevel.INFO}`, 20],
    [`m${logLevel.WARN}`, 40],
    [`m${logLevel.ERROR}`, 50],
  ]);
});

test('kafkajs logs only at the level pino would print', () => {
  expect(kafkajsLogLevel(capture('debug').logger)).toBe(logLevel.DEBUG);
  expect(kafkajsLogLevel(capture('warn').logger)).toBe(logLevel.WARN);
  expect(kafkajsLogLevel(capture('silent').logger)).toBe(logLevel.NOTHING);
});
