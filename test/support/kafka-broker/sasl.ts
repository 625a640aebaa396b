/**
 * Server side of SASL PLAIN (RFC 4616) and SCRAM-SHA-512 (RFC 5802 / 7677), one exchange per
 * connection. `step` takes the client's bytes and returns the server's reply, whether the
 * exchange is complete, or a failure reason (which never contains the password).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type SaslMechanism = 'scram-sha-512' | 'plain';

export interface SaslCredentials {
  mechanism: SaslMechanism;
  username: string;
  password: string;
}

export type SaslStep =
  | { kind: 'continue'; reply: Buffer }
  | { kind: 'done'; reply: Buffer }
  | { kind: 'failed'; reason: string };

export const saslMechanismName = (mechanism: SaslMechanism): string =>
  mechanism === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512';

/** kafkajs refuses fewer than 4096 iterations for SHA-512. */
const SCRAM_ITERATIONS = 4096;

export function createSaslExchange(credentials: SaslCredentials): { step(input: Buffer): SaslStep } {
  return credentials.mechanism === 'plain' ? plainExchange(credentials) : scramExchange(credentials);
}

function plainExchange(credentials: SaslCredentials) {
  return {
    step(input: Buffer): SaslStep {
      const [, username, password] = input.toString('utf8').split('\0');
      if (username !== credentials.username || !sameSecret(password ?? '', credentials.password)) {
        return { kind: 'failed', reason: 'Authentication failed: invalid username or password' };
      }
      return { kind: 'done', reply: Buffer.alloc(0) };
    },
  };
}

function scramExchange(credentials: SaslCredentials) {
  const salt = randomBytes(16);
  const saltedPassword = pbkdf2Sync(credentials.password, salt, SCRAM_ITERATIONS, 64, 'sha512');
  const hmac = (key: Buffer, data: string) => createHmac('sha512', key).update(data).digest();
  const storedKey = createHash('sha512').update(hmac(saltedPassword, 'Client Key')).digest();
  const serverKey = hmac(saltedPassword, 'Server Key');
  let clientFirstBare: string | undefined;
  let serverFirst: string | undefined;
  let nonce: string | undefined;

  return {
    step(input: Buffer): SaslStep {
      const message = input.toString('utf8');
      if (serverFirst === undefined) {
        // client-first: gs2-header "n,," then "n=<user>,r=<client nonce>"
        const match = /^[ny],[^,]*,(n=([^,]*),r=([^,]+).*)$/.exec(message);
        if (!match) return { kind: 'failed', reason: 'Authentication failed: malformed SCRAM client-first message' };
        const [, bare, user, clientNonce] = match;
        if (decodeSaslName(user!) !== credentials.username) {
          return { kind: 'failed', reason: 'Authentication failed: invalid username or password' };
        }
        clientFirstBare = bare!;
        nonce = clientNonce + randomBytes(18).toString('base64');
        serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
        return { kind: 'continue', reply: Buffer.from(serverFirst) };
      }
      // client-final: "c=<channel binding>,r=<nonce>,p=<proof>"
      const proofAt = message.lastIndexOf(',p=');
      const withoutProof = message.slice(0, proofAt);
      const fields = new Map(withoutProof.split(',').map((f) => [f.slice(0, 1), f.slice(2)]));
      if (proofAt < 0 || fields.get('r') !== nonce) {
        return { kind: 'failed', reason: 'Authentication failed: malformed SCRAM client-final message' };
      }
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const proof = Buffer.from(message.slice(proofAt + 3), 'base64');
      const signature = hmac(storedKey, authMessage);
      if (proof.length !== signature.length) {
        return { kind: 'failed', reason: 'Authentication failed: invalid username or password' };
      }
      const clientKey = Buffer.from(proof.map((byte, i) => byte ^ signature[i]!));
      const recovered = createHash('sha512').update(clientKey).digest();
      if (!timingSafeEqual(recovered, storedKey)) {
        return { kind: 'failed', reason: 'Authentication failed: invalid username or password' };
      }
      return { kind: 'done', reply: Buffer.from(`v=${hmac(serverKey, authMessage).toString('base64')}`) };
    },
  };
}

/** RFC 5802 saslname: "=2C" is ",", "=3D" is "=". */
function decodeSaslName(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
