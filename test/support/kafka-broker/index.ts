/**
 * An in-memory, single-node Kafka broker speaking the real wire protocol, for tests: kafkajs
 * producers and consumer groups connect to it over TCP on 127.0.0.1 exactly as they would to
 * Kafka. It keeps everything in memory and forgets it on close. Test support only: never
 * shipped, never imported from src/.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { handleConnection } from './connection.js';
import { createGroupCoordinator, type GroupSnapshot } from './group-coordinator.js';
import type { BrokerContext } from './handlers.js';
import type { SaslCredentials } from './sasl.js';
import { createTopicStore } from './topic-log.js';

export type { GroupSnapshot } from './group-coordinator.js';
export type { SaslCredentials, SaslMechanism } from './sasl.js';

export interface KafkaBrokerOptions {
  port?: number;
  host?: string;
  /** When set, every connection must authenticate with exactly these credentials. */
  sasl?: SaslCredentials;
  /** When set, the listener speaks TLS (SASL_SSL with `sasl`, SSL without). See `testTlsCertificate`. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Partitions of topics created implicitly (by a metadata request or `produce`). Default 1. */
  defaultPartitions?: number;
  /** Called with protocol errors that made the broker drop a connection. Default: ignored. */
  onError?: (error: Error) => void;
}

export interface ProduceMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Default: round robin for keyless messages, a hash of the key otherwise. */
  partition?: number;
  timestamp?: number;
}

export interface KafkaBroker {
  host: string;
  port: number;
  /** `host:port` list for kafkajs's `brokers` option. */
  brokers: string[];
  /** Creates a topic (no-op if it exists; the partition count of an existing topic is kept). */
  createTopic(topic: string, options?: { partitions?: number }): void;
  /** Appends messages straight to the log, as if a producer had sent them. */
  produce(topic: string, messages: ProduceMessage[]): Promise<{ partition: number; offset: string }[]>;
  /** Group state for assertions: members, generation, assignments, committed offsets. */
  group(groupId: string): GroupSnapshot | undefined;
  /** Committed offset of a group on a partition, or undefined if none. */
  committedOffset(groupId: string, topic: string, partition: number): string | undefined;
  close(): Promise<void>;
}

/**
 * A self-signed certificate for 127.0.0.1/localhost, valid until 2126, made for these tests
 * only (the key is public on purpose). Clients trust it with `ssl: { ca: [cert] }`.
 */
export function testTlsCertificate(): { key: string; cert: string } {
  const read = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return { key: read('localhost-key.pem'), cert: read('localhost-cert.pem') };
}

const toBuffer = (value: string | Buffer | null | undefined): Buffer | null =>
  value === null || value === undefined ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');

export async function startKafkaBroker(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const host = options.host ?? '127.0.0.1';
  const store = createTopicStore({ defaultPartitions: options.defaultPartitions ?? 1 });
  const groups = createGroupCoordinator();
  const sockets = new Set<Socket>();
  let closing = false;

  const server: Server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }) : createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('kafka broker: no TCP address after listen');

  const context: BrokerContext = { nodeId: 1, host, port: address.port, store, groups, closing: () => closing };
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    handleConnection(socket, context, { sasl: options.sasl, onError: options.onError ?? (() => {}) });
  });

  return {
    host,
    port: address.port,
    brokers: [`${host}:${address.port}`],
    createTopic(topic, topicOptions) {
      store.createTopic(topic, topicOptions?.partitions);
    },
    async produce(topicName, messages) {
      const topic = store.createTopic(topicName);
      return messages.map((message) => {
        const key = toBuffer(message.key);
        const partition = message.partition ?? store.choosePartition(topic, key);
        const offset = store.append(topicName, partition, [
          {
            timestamp: BigInt(message.timestamp ?? Date.now()),
            key,
            value: toBuffer(message.value),
            headers: Object.entries(message.headers ?? {}).map(([name, value]) => ({ key: name, value: toBuffer(value) })),
          },
        ]);
        return { partition, offset: offset.toString() };
      });
    },
    group: (groupId) => groups.snapshot(groupId),
    committedOffset: (groupId, topic, partition) => groups.committedOffset(groupId, topic, partition)?.offset.toString(),
    async close() {
      closing = true;
      store.wakeAll();
      groups.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
