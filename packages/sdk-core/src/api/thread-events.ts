// `thread.events()`: every notification of one thread, whichever turn (or no turn) it belongs to
// and whichever client started that turn, as an async iterator.
import { InvalidInputError } from "../errors.js";
import type { Notification, ThreadNotification } from "../notification.js";
import type { AppServerClient } from "../rpc/client.js";
import { BufferedIterator } from "../rpc/notification-iterator.js";

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
export class ThreadEventIterator extends BufferedIterator<ThreadNotification> {
  constructor(client: AppServerClient, threadId: string, options: ThreadEventsOptions = {}) {
    const maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY;
    if (!(maxBuffered >= 1)) {
      throw new InvalidInputError(
        `thread.events(): maxBuffered must be a number of at least 1, got ${String(options.maxBuffered)}.`,
      );
    }
    const source = client.notifications({ signal: options.signal });
    super({
      caller: "thread.events()",
      maxBuffered,
      overflowMessage: () =>
        `thread.events(): more than ${maxBuffered} notifications of thread ${threadId} were waiting to be read (maxBuffered), so the iterator stopped. Read it faster or raise maxBuffered.`,
      onFinish: () => void source.return?.(),
    });
    void this.#pump(source, threadId);
  }

  async #pump(source: AsyncIterableIterator<Notification>, threadId: string): Promise<void> {
    try {
      for (;;) {
        const next = await source.next();
        if (next.done || this.finished) break;
        // Naming this thread makes it one of the schema's turn or thread notifications.
        if (threadIdOf(next.value) === threadId) this.push(next.value as ThreadNotification);
      }
      this.finish();
    } catch (error) {
      this.finish(error);
    }
  }
}
