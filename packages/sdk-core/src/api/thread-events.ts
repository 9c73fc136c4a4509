// `thread.events()`: every notification of one thread, whichever turn (or no turn) it belongs to
// and whichever client started that turn, as an async iterator.
import { InvalidInputError, NotificationBufferOverflowError } from "../errors.js";
import type { Notification, ThreadNotification } from "../notification.js";
import type { AppServerClient } from "../rpc/client.js";

/** Options of `thread.events()`. */
export interface ThreadEventsOptions {
  /** Ends the iteration: the pending `next()` rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * The most notifications of this thread kept while nobody reads the iterator. One more ends
   * it with `NotificationBufferOverflowError` once the kept ones are read. Default: no limit.
   */
  maxBuffered?: number | undefined;
}

/** The thread a notification is about: its `threadId`, or the `thread.id` of `thread/started`. */
export function threadIdOf(notification: Notification): string | undefined {
  const params = notification.params as Record<string, unknown> | null | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  if (typeof params["threadId"] === "string") return params["threadId"];
  const thread = params["thread"];
  if (typeof thread === "object" && thread !== null && typeof (thread as Record<string, unknown>)["id"] === "string") {
    return (thread as Record<string, string>)["id"];
  }
  return undefined;
}

/**
 * @internal The iterator behind `thread.events()`. It subscribes when created (not on the first
 * `next()`), so nothing that happens between the call and the loop is lost. It reads the
 * connection's notifications as they arrive and keeps only this thread's, so other threads'
 * traffic never fills its buffer.
 */
export class ThreadEventIterator implements AsyncIterableIterator<ThreadNotification> {
  readonly #threadId: string;
  readonly #source: AsyncIterableIterator<Notification>;
  readonly #maxBuffered: number;
  #buffer: ThreadNotification[] = [];
  #head = 0;
  #waiting: { resolve(result: IteratorResult<ThreadNotification>): void; reject(error: unknown): void } | undefined;
  #done = false;
  #failure: unknown;

  constructor(client: AppServerClient, threadId: string, options: ThreadEventsOptions = {}) {
    const maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY;
    if (!(maxBuffered >= 1)) {
      throw new InvalidInputError(
        `thread.events(): maxBuffered must be a number of at least 1, got ${String(options.maxBuffered)}.`,
      );
    }
    this.#threadId = threadId;
    this.#maxBuffered = maxBuffered;
    this.#source = client.notifications({ signal: options.signal });
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        const next = await this.#source.next();
        if (next.done || this.#done) break;
        // Naming this thread makes it one of the schema's turn or thread notifications.
        if (threadIdOf(next.value) === this.#threadId) this.#push(next.value as ThreadNotification);
      }
      this.#finish(undefined);
    } catch (error) {
      this.#finish(error);
    }
  }

  #push(notification: ThreadNotification): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value: notification, done: false });
    } else if (this.#buffer.length - this.#head >= this.#maxBuffered) {
      this.#finish(
        new NotificationBufferOverflowError(
          `thread.events(): more than ${this.#maxBuffered} notifications of thread ${this.#threadId} were waiting to be read (maxBuffered), so the iterator stopped. Read it faster or raise maxBuffered.`,
        ),
      );
    } else {
      this.#buffer.push(notification);
    }
  }

  #finish(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#failure = error;
    void this.#source.return?.();
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      this.#settleEnd(waiting);
    }
  }

  next(): Promise<IteratorResult<ThreadNotification>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head]!;
      this.#buffer[this.#head++] = undefined as unknown as ThreadNotification;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return new Promise((resolve, reject) => this.#settleEnd({ resolve, reject }));
    if (this.#waiting !== undefined)
      return Promise.reject(new Error("thread.events(): next() called again before the previous call settled."));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ThreadNotification>> {
    this.#finish(undefined);
    this.#failure = undefined;
    this.#buffer = [];
    this.#head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ThreadNotification> {
    return this;
  }

  /** The error is thrown once; after that the iterator is simply done. */
  #settleEnd(waiting: {
    resolve(result: IteratorResult<ThreadNotification>): void;
    reject(error: unknown): void;
  }): void {
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      waiting.reject(failure);
    } else {
      waiting.resolve({ value: undefined, done: true });
    }
  }
}
