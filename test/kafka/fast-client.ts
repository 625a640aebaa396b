/**
 * kafkajs clients tuned for tests against the in-memory broker: quiet, quick retries, short
 * session and heartbeat intervals so rebalances and crash detection take well under a second.
 */
import { eventually as waitFor } from '../support/eventually.js';
import kafkajs from 'kafkajs';
import type { Consumer, ConsumerConfig, KafkaConfig, SASLOptions } from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export const FAST_CONSUMER: Omit<ConsumerConfig, 'groupId'> = {
  sessionTimeout: 1_500,
  rebalanceTimeout: 2_000,
  heartbeatInterval: 100,
  maxWaitTimeInMs: 100,
  retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 200 },
};

export function createTestKafka(brokers: string[], extra: Partial<KafkaConfig> & { sasl?: SASLOptions } = {}) {
  return new Kafka({
    clientId: 'marina-test',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 200 },
    ...extra,
  });
}

/** Resolves once the consumer has joined its group and received an assignment (possibly empty). */
export function joined(consumer: Consumer): Promise<Record<string, number[]>> {
  return new Promise((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, (event) => {
      off();
      resolve(event.payload.memberAssignment);
    });
  });
}

/** Waits for `check`; group rebalances and session timeouts can take a while, so the bound stays under jest's 30 s. */
export function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  return waitFor(check, 'the Kafka condition', 25_000);
}
