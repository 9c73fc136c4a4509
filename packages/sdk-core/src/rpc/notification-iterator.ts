// The async iterators of notifications: `AppServerClient.notifications()` and, built on the same
// core, `thread.events()`. Each buffers while its reader is busy, bounded by `maxBuffered`.
import { NotificationBufferOverflowError } from "../errors.js";
import type { Notification } from "../notification.js";

interface Waiting<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

/** What a `BufferedIterator` is made from. */
export interface BufferedIteratorInit {
  /** The call that made the iterator, to name it in errors (e.g. "notifications()"). */
  readonly caller: string;
  /** The most values kept while nobody reads (`Infinity`: no limit). */
  readonly maxBuffered: number;
  /** The message of the `NotificationBufferOverflowError` that ends an iterator whose buffer is full. */
  readonly overflowMessage: () => string;
  /** Called once when the iteration ends (finished, overflowed, or left by the reader): let go of the source. */
  readonly onFinish: () => void;
}

/**
 * @internal An async iterator fed by `push`: a value waits in a buffer until `next()` takes it.
 * `finish` ends it after the buffered values, with an error thrown once, or done; `return()`
 * (breaking out of a `for await`) ends it at once and drops the buffer.
 */
export class BufferedIterator<T> implements AsyncIterableIterator<T> {
  readonly #init: BufferedIteratorInit;
  #buffer: T[] = [];
  #head = 0;
  #waiting: Waiting<T> | undefined;
  #done = false;
  #failure: unknown;

  constructor(init: BufferedIteratorInit) {
    this.#init = init;
  }

  /** True once the iteration has ended (the buffered values may still be read). */
  get finished(): boolean {
    return this.#done;
  }

  push(value: T): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting.resolve({ value, done: false });
    } else if (this.#buffer.length - this.#head >= this.#init.maxBuffered) {
      this.finish(new NotificationBufferOverflowError(this.#init.overflowMessage()));
    } else {
      this.#buffer.push(value);
    }
  }

  /** Ends the iteration after the buffered values: with `error` thrown, or done. */
  finish(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#failure = error;
    this.#init.onFinish();
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      this.#settleEnd(waiting);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head]!;
      this.#buffer[this.#head++] = undefined as T;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#done) return new Promise((resolve, reject) => this.#settleEnd({ resolve, reject }));
    if (this.#waiting !== undefined)
      return Promise.reject(new Error(`${this.#init.caller}: next() called again before the previous call settled.`));
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#failure = undefined;
    this.finish();
    this.#buffer = [];
    this.#head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** The error is thrown once; after that the iterator is simply done. */
  #settleEnd(waiting: Waiting<T>): void {
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      waiting.reject(failure);
    } else {
      waiting.resolve({ value: undefined, done: true });
    }
  }
}

/** The iterator returned by `AppServerClient.notifications()`. */
export class NotificationIterator extends BufferedIterator<Notification> {
  /** Called once the iteration has ended, after `unsubscribe`. */
  onDone: (() => void) | undefined;

  constructor(unsubscribe: () => void, maxBuffered: number) {
    super({
      caller: "notifications()",
      maxBuffered,
      overflowMessage: () =>
        `notifications(): more than ${maxBuffered} notifications were waiting to be read (maxBuffered), so this iterator stopped collecting. Read it faster, raise maxBuffered, or use onNotification() for a handler that never falls behind.`,
      onFinish: unsubscribe,
    });
  }

  override finish(error?: unknown): void {
    if (this.finished) return;
    super.finish(error);
    this.onDone?.();
  }
}
