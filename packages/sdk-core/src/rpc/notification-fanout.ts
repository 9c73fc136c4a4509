// Every notification the server sends, handed in arrival order to the handlers of its method, the
// "*" handlers, and the open notification iterators.

import { abortErrorFrom } from "../errors.js";
import type { Notification } from "../notification.js";
import { makeDisposable, type Subscription } from "./disposable.js";
import { describeError } from "./encoding.js";
import type { NormalizedLogger } from "./logger.js";
import { NotificationIterator } from "./notification-iterator.js";

interface HandlerEntry<F> {
  readonly handler: F;
  /** Cleared on dispose, so a dispatch already under way skips it. */
  active: boolean;
}

type MethodHandler = (params: unknown, notification: Notification) => void;
type AnyHandler = (notification: Notification) => void;

/** @internal The notification subscribers of one client. */
export class NotificationFanout {
  // Handler lists are replaced, never changed in place: a notification is dispatched to the
  // handlers registered when it arrived, so one registered during dispatch never sees it, and
  // one disposed during dispatch is skipped (`active` is cleared).
  private readonly byMethod = new Map<string, readonly HandlerEntry<MethodHandler>[]>();
  private anyHandlers: readonly HandlerEntry<AnyHandler>[] = [];
  private iterators: readonly NotificationIterator[] = [];
  private readonly logger: NormalizedLogger;

  constructor(logger: NormalizedLogger) {
    this.logger = logger;
  }

  /** Calls `handler` with the params of every notification of `method`. */
  on(method: string, handler: MethodHandler): Subscription {
    const entry: HandlerEntry<MethodHandler> = { handler, active: true };
    this.byMethod.set(method, [...(this.byMethod.get(method) ?? []), entry]);
    return makeDisposable(() => {
      entry.active = false;
      const rest = (this.byMethod.get(method) ?? []).filter((other) => other !== entry);
      if (rest.length === 0) this.byMethod.delete(method);
      else this.byMethod.set(method, rest);
    });
  }

  /** Calls `handler` with every notification. */
  onAny(handler: AnyHandler): Subscription {
    const entry: HandlerEntry<AnyHandler> = { handler, active: true };
    this.anyHandlers = [...this.anyHandlers, entry];
    return makeDisposable(() => {
      entry.active = false;
      this.anyHandlers = this.anyHandlers.filter((other) => other !== entry);
    });
  }

  /** A new iterator of every notification from now on, ended by `signal`. */
  iterate(maxBuffered: number, signal: AbortSignal | undefined): NotificationIterator {
    const iterator = new NotificationIterator(() => {
      this.iterators = this.iterators.filter((other) => other !== iterator);
    }, maxBuffered);
    this.iterators = [...this.iterators, iterator];
    if (signal !== undefined) {
      if (signal.aborted) iterator.finish(abortErrorFrom(signal, "The notification iterator"));
      else {
        const onAbort = (): void => iterator.finish(abortErrorFrom(signal, "The notification iterator"));
        signal.addEventListener("abort", onAbort, { once: true });
        iterator.onDone = () => signal.removeEventListener("abort", onAbort);
      }
    }
    return iterator;
  }

  /**
   * Hands `notification` to every subscriber, synchronously; a throwing handler is logged and does
   * not stop the others.
   */
  dispatch(notification: Notification): void {
    const method = notification.method as unknown as string;
    // The lists as they are now: handlers added during dispatch start with the next notification.
    const handlers = this.byMethod.get(method);
    const anyHandlers = this.anyHandlers;
    const iterators = this.iterators;
    if (handlers !== undefined) {
      for (const entry of handlers) {
        if (!entry.active) continue;
        try {
          entry.handler(notification.params, notification);
        } catch (error) {
          this.handlerThrew(method, error);
        }
      }
    }
    for (const entry of anyHandlers) {
      if (!entry.active) continue;
      try {
        entry.handler(notification);
      } catch (error) {
        this.handlerThrew(method, error);
      }
    }
    for (const iterator of iterators) iterator.push(notification);
  }

  /** Ends every iterator (after what it holds): with `error` thrown, or done. */
  finishIterators(error: unknown): void {
    for (const iterator of this.iterators) iterator.finish(error);
    this.iterators = [];
  }

  /** Counts, for leak checks. */
  get load(): { notificationHandlers: number; iterators: number } {
    let notificationHandlers = this.anyHandlers.length;
    for (const list of this.byMethod.values()) notificationHandlers += list.length;
    return { notificationHandlers, iterators: this.iterators.length };
  }

  private handlerThrew(method: string, error: unknown): void {
    this.logger.error(`A handler of "${method}" notifications threw: ${describeError(error)}`, error);
  }
}
