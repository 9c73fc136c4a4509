// The byte-stream contract between the JSON-RPC client and whatever carries its bytes: a child
// process's stdio (src/process/), an in-memory pair for tests, or a socket. The client knows
// nothing else about it.

import { TransportClosedError } from "../errors.js";

/** How a transport ended. Becomes the `TransportClosedError` of everything still pending. */
export interface TransportCloseInfo {
  /** Exit code of the server process, or null (killed by a signal, or not a process). */
  exitCode: number | null;
  /** Signal that ended the server process (e.g. "SIGKILL"), or null. */
  signal: string | null;
  /** The last lines the server wrote to stderr, or "". */
  stderrTail: string;
  /** Why it closed, in words (e.g. "closed by the client", "stdout ended"). */
  reason?: string | undefined;
  /** The error that closed it, if any. */
  error?: unknown;
}

/**
 * A duplex byte stream to one app-server: newline-delimited JSON goes out through `write`, and
 * arrives through the `start` callback in chunks of any size.
 *
 * Contract:
 * - `start(onData)` is called once; chunks that arrive earlier are buffered and delivered then.
 * - every chunk is delivered before `closed` resolves.
 * - `write` calls go out in call order; `write` rejects once the transport is closed.
 * - `close()` is idempotent and resolves when the transport is fully closed (for a process:
 *   when the process has exited).
 * - `closed` resolves (never rejects) once, whoever closed it.
 */
export interface Transport {
  /** Starts the flow of incoming bytes. */
  start(onData: (chunk: Uint8Array) => void): void;
  /** Sends bytes. Resolves when they are handed to the underlying stream. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the transport (for a process: stdin EOF, then SIGTERM, then SIGKILL). */
  close(): Promise<void>;
  /** Resolves when the transport has closed, with how it ended. */
  readonly closed: Promise<TransportCloseInfo>;
}

/** One end of an in-memory transport pair. */
export interface InMemoryTransport extends Transport {
  /**
   * Closes both ends, reporting `info` (e.g. `{ exitCode: 1, stderrTail: "boom" }`) as how this
   * pair ended — the way a test simulates a crashed server.
   */
  closeWith(info: Partial<TransportCloseInfo>): Promise<void>;
}

/**
 * Two connected in-memory transports: bytes written to one arrive at the other, asynchronously
 * and in order. Use it to unit-test code built on `AppServerClient` without a process: give one
 * end to the client and drive the other as a fake server.
 *
 * ```ts
 * const [clientEnd, serverEnd] = createInMemoryTransportPair();
 * const client = new AppServerClient(clientEnd);
 * serverEnd.start((chunk) => { ... parse requests, serverEnd.write(replies) ... });
 * ```
 */
export function createInMemoryTransportPair(): [InMemoryTransport, InMemoryTransport] {
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closedInfo = new Promise<TransportCloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  let isClosed = false;
  const a = new InMemoryEnd();
  const b = new InMemoryEnd();
  const shutdown = async (info: Partial<TransportCloseInfo>): Promise<void> => {
    if (!isClosed) {
      isClosed = true;
      a.closing = true;
      b.closing = true;
      // Deliver what is already in flight first: a closed pipe still yields its buffered bytes.
      await Promise.all([a.drained(), b.drained()]);
      resolveClosed({
        exitCode: info.exitCode ?? null,
        signal: info.signal ?? null,
        stderrTail: info.stderrTail ?? "",
        reason: info.reason ?? "in-memory transport closed",
        error: info.error,
      });
    }
    await closedInfo;
  };
  a.connect(b, closedInfo, shutdown);
  b.connect(a, closedInfo, shutdown);
  return [a, b];
}

class InMemoryEnd implements InMemoryTransport {
  closing = false;
  closed!: Promise<TransportCloseInfo>;
  private peer!: InMemoryEnd;
  private shutdown!: (info: Partial<TransportCloseInfo>) => Promise<void>;
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private inbox: Uint8Array[] = [];
  private flushScheduled = false;
  private drainWaiters: (() => void)[] = [];

  connect(peer: InMemoryEnd, closed: Promise<TransportCloseInfo>, shutdown: (info: Partial<TransportCloseInfo>) => Promise<void>): void {
    this.peer = peer;
    this.closed = closed;
    this.shutdown = shutdown;
  }

  start(onData: (chunk: Uint8Array) => void): void {
    if (this.onData !== undefined) throw new Error("Transport.start() was called twice.");
    this.onData = onData;
    this.scheduleFlush();
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new TransportClosedError({ reason: "write after the in-memory transport closed" }));
    // Copy: the caller may reuse its buffer after write() returns.
    this.peer.receive(Uint8Array.prototype.slice.call(bytes));
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.shutdown({ reason: "in-memory transport closed" });
  }

  closeWith(info: Partial<TransportCloseInfo>): Promise<void> {
    return this.shutdown(info);
  }

  receive(chunk: Uint8Array): void {
    this.inbox.push(chunk);
    this.scheduleFlush();
  }

  /** Resolves once every received chunk was delivered (at once if nobody ever started reading). */
  drained(): Promise<void> {
    if (this.inbox.length === 0 || this.onData === undefined) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.onData === undefined || this.inbox.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const onData = this.onData;
    if (onData === undefined) return;
    while (this.inbox.length > 0) onData(this.inbox.shift()!);
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
