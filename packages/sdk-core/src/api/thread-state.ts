// What a connection remembers about each thread between requests: the last token usage the
// server reported for it. Fed with every notification of the connection by its `Codex`, so every
// `Thread` handle of the same id (`codex.thread(id)` makes a new one each time) sees the same value.
import type {
  ThreadForkResponse,
  ThreadReadResponse,
  ThreadResumeResponse,
  ThreadStartResponse,
  ThreadTokenUsage,
  ThreadUnarchiveResponse,
} from "@codex/protocol-types/experimental";
import type { Notification } from "../notification.js";

/**
 * The server's last reply about a thread, as kept by `thread.info`: `thread/start`,
 * `thread/resume` and `thread/fork` answer with the thread plus its settings (`model`,
 * `modelProvider`, `cwd`, `approvalPolicy`, `sandbox`, `reasoningEffort`, ...); `thread/read` and
 * `thread/unarchive` with the thread alone. Tell them apart with `"model" in info`.
 */
export type ThreadInfo =
  | ThreadStartResponse
  | ThreadResumeResponse
  | ThreadForkResponse
  | ThreadReadResponse
  | ThreadUnarchiveResponse;

/**
 * @internal The last `ThreadTokenUsage` per thread id, from `thread/tokenUsage/updated`; a thread's
 * entry goes with `thread/archived`, `thread/deleted` and `thread/closed`.
 */
export class ThreadUsageStore {
  // One small object per thread the connection has seen use tokens: usage totals are what a
  // caller budgets with, and the server sends them only when they change.
  readonly #usage = new Map<string, ThreadTokenUsage>();

  /** Takes one notification of the connection. */
  observe(notification: Notification): void {
    const method = notification.method as string;
    if (notification.method === "thread/tokenUsage/updated")
      this.#usage.set(notification.params.threadId, notification.params.tokenUsage);
    else if (method === "thread/archived" || method === "thread/deleted" || method === "thread/closed") {
      // The thread is gone from this connection: nothing more will be reported for it.
      this.#usage.delete((notification.params as { threadId: string }).threadId);
    }
  }

  /** Number of threads whose usage is kept (for leak checks in tests). */
  get size(): number {
    return this.#usage.size;
  }

  /** The last usage reported for `threadId`, or null. */
  get(threadId: string): ThreadTokenUsage | null {
    return this.#usage.get(threadId) ?? null;
  }
}
