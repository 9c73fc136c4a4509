// Two connected in-memory ends, generic over what they carry: what `createInMemoryTransportPair`
// (messages) and `createInMemoryByteStreamPair` (bytes) are made of.
import { TransportClosedError } from "../errors.js";
import type { TransportCloseInfo } from "./transport.js";

/** What an in-memory pair carries and how its errors name it. */
export interface InMemoryPairOptions<T> {
  /** What the pair is, in errors and close reasons (e.g. "transport": "in-memory transport closed"). */
  readonly noun: string;
  /** The interface whose `start()` an end implements, in the error of a second call (e.g. "ByteStream"). */
  readonly interfaceName: string;
  /** The sending method, in the error of a send after close (e.g. "write"). */
  readonly verb: string;
  /** The receiver's own copy of a sent value, as a wire would make it. */
  readonly copy: (value: T) => T;
}

/**
 * @internal Creates two connected ends: a value posted on one arrives at the other's receiver,
 * asynchronously and in order. Closing either closes both, once the values in flight are
 * delivered (a closed pipe still yields its buffered bytes).
 */
export function createInMemoryPair<T>(options: InMemoryPairOptions<T>): [InMemoryEnd<T>, InMemoryEnd<T>] {
  let resolveClosed!: (info: TransportCloseInfo) => void;
  const closed = new Promise<TransportCloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  let isClosed = false;
  const ends: [InMemoryEnd<T>, InMemoryEnd<T>] = [
    new InMemoryEnd(options, closed, (info) => shutdown(info)),
    new InMemoryEnd(options, closed, (info) => shutdown(info)),
  ];
  const shutdown = async (info: Partial<TransportCloseInfo>): Promise<void> => {
    if (!isClosed) {
      isClosed = true;
      for (const end of ends) end.closing = true;
      await Promise.all(ends.map((end) => end.drained()));
      resolveClosed({
        exitCode: info.exitCode ?? null,
        signal: info.signal ?? null,
        stderrTail: info.stderrTail ?? "",
        reason: info.reason ?? `in-memory ${options.noun} closed`,
        error: info.error,
      });
    }
    await closed;
  };
  ends[0].peer = ends[1];
  ends[1].peer = ends[0];
  return ends;
}

/** @internal One end of an in-memory pair. */
export class InMemoryEnd<T> {
  closing = false;
  peer!: InMemoryEnd<T>;
  readonly closed: Promise<TransportCloseInfo>;
  readonly #options: InMemoryPairOptions<T>;
  readonly #shutdown: (info: Partial<TransportCloseInfo>) => Promise<void>;
  #receiver: ((value: T) => void) | undefined;
  #inbox: T[] = [];
  #flushScheduled = false;
  #drainWaiters: (() => void)[] = [];

  constructor(
    options: InMemoryPairOptions<T>,
    closed: Promise<TransportCloseInfo>,
    shutdown: (info: Partial<TransportCloseInfo>) => Promise<void>,
  ) {
    this.#options = options;
    this.closed = closed;
    this.#shutdown = shutdown;
  }

  /** Starts delivering what arrives (what arrived earlier first). Called once. */
  start(receiver: (value: T) => void): void {
    if (this.#receiver !== undefined) throw new Error(`${this.#options.interfaceName}.start() was called twice.`);
    this.#receiver = receiver;
    this.#scheduleFlush();
  }

  /** Sends a copy of `value` to the other end; rejects with `TransportClosedError` once the pair is closed. */
  post(value: T): Promise<void> {
    if (this.closing) {
      const { verb, noun } = this.#options;
      return Promise.reject(new TransportClosedError({ reason: `${verb} after the in-memory ${noun} closed` }));
    }
    this.peer.#receive(this.#options.copy(value));
    return Promise.resolve();
  }

  close(reason?: string): Promise<void> {
    return this.#shutdown({ reason: reason ?? `in-memory ${this.#options.noun} closed` });
  }

  closeWith(info: Partial<TransportCloseInfo>): Promise<void> {
    return this.#shutdown(info);
  }

  /** Resolves once every received value was delivered (at once if nobody ever started reading). */
  drained(): Promise<void> {
    if (this.#inbox.length === 0 || this.#receiver === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #receive(value: T): void {
    this.#inbox.push(value);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#receiver === undefined || this.#inbox.length === 0) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    const receiver = this.#receiver;
    if (receiver === undefined) return;
    while (this.#inbox.length > 0) receiver(this.#inbox.shift()!);
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
