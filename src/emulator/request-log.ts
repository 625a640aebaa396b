/** A ring buffer of recent requests for the inspection API. Never holds headers or bodies (secrets). */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  userAgent: string;
  fault?: string;
}

export interface RequestLog {
  add(entry: LoggedRequest): void;
  recent(limit?: number): LoggedRequest[];
  clear(): void;
}

export function createRequestLog(capacity = 1000): RequestLog {
  const entries: LoggedRequest[] = new Array(capacity);
  let next = 0;
  let size = 0;
  return {
    add(entry) {
      entries[next] = entry;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    recent(limit = capacity) {
      const count = Math.min(limit, size);
      const out: LoggedRequest[] = [];
      for (let i = 0; i < count; i++) out.push(entries[(next - 1 - i + capacity * 2) % capacity] as LoggedRequest);
      return out;
    },
    clear() {
      next = 0;
      size = 0;
    },
  };
}
