// The async iterator behind `AppServerClient.notifications()`: buffers while its reader is busy,
// bounded by `maxBuffered`.
import { NotificationBufferOverflowError } from "../errors.js";
import type { Notification } from "../notification.js";

/** The iterator returned by `AppServerClient.notifications()`. */
export class NotificationIterator implements AsyncIterableIterator<Notification> {
  onDone: (() => void) | undefined;
  private buffer: Notification[] = [];
  private head = 0;
  private waiting: { resolve(result: IteratorResult<Notification>): void; reject(error: unknown): void } | undefined;
  private done = false;
  private failure: unknown;
  private readonly unsubscribe: () => void;

  constructor(
    unsubscribe: () => void,
    private readonly maxBuffered: number,
  ) {
    this.unsubscribe = unsubscribe;
  }

  push(notification: Notification): void {
    if (this.done) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve({ value: notification, done: false });
    } else if (this.buffer.length - this.head >= this.maxBuffered) {
      this.finish(
        new NotificationBufferOverflowError(
          `notifications(): more than ${this.maxBuffered} notifications were waiting to be read (maxBuffered), so this iterator stopped collecting. Read it faster, raise maxBuffered, or use onNotification() for a handler that never falls behind.`,
        ),
      );
    } else {
      this.buffer.push(notification);
    }
  }

  /** Ends the iteration after the buffered notifications: with `error` thrown, or done. */
  finish(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.unsubscribe();
    this.onDone?.();
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.settleEnd(waiting);
    }
  }

  next(): Promise<IteratorResult<Notification>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head]!;
      this.buffer[this.head++] = undefined as unknown as Notification;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      return new Promise((resolve, reject) => this.settleEnd({ resolve, reject }));
    }
    if (this.waiting !== undefined)
      return Promise.reject(new Error("notifications(): next() called again before the previous call settled."));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Notification>> {
    this.failure = undefined;
    this.finish();
    this.buffer = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Notification> {
    return this;
  }

  /** The error is thrown once; after that the iterator is simply done. */
  private settleEnd(waiting: {
    resolve(result: IteratorResult<Notification>): void;
    reject(error: unknown): void;
  }): void {
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      waiting.reject(failure);
    } else {
      waiting.resolve({ value: undefined, done: true });
    }
  }
}
