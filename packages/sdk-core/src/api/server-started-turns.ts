// Turns started by a request other than `turn/start`: a compaction (`thread/compact/start`, whose
// reply is empty: the turn is known only from the `turn/started` that follows) and a review
// (`review/start`, whose reply names the turn). Each becomes an ordinary `TurnHandle`.
import type { ReviewStartParams, ReviewTarget, Turn } from "@codex/protocol-types/experimental";
import { AbortError, abortErrorFrom } from "../errors.js";
import { TurnHandle } from "./turn-handle.js";
import type { ThreadContext } from "./thread.js";

/** Options of `thread.review()`: the `review/start` params besides the thread and target, plus a `signal`. */
export type ReviewOptions = Omit<ReviewStartParams, "threadId" | "target"> & {
  /** Aborting interrupts the review turn on the server and rejects its `run()` / `stream()` with `AbortError`. */
  signal?: AbortSignal | undefined;
};

/**
 * @internal Starts a compaction of `threadId` and returns its turn. The thread's events are
 * kept from before the request is written. The compaction turn is the one whose first item is a
 * `contextCompaction`: another turn of the thread (started by another client, or by this one
 * just before) may start in between, so the first `turn/started` alone would not say which.
 * Rejects with `TransportClosedError` if the connection ends first.
 */
export async function startCompaction(context: ThreadContext, threadId: string): Promise<TurnHandle<null>> {
  const { client, router } = context;
  // Waits for this client's running turn on the thread, as `thread.turn()` does.
  const reservation = await router.reserve(threadId);
  const startedTurns = new Map<string, Turn>();
  let resolveTurnId!: (turnId: string) => void;
  const compactionTurnId = new Promise<string>((resolve) => (resolveTurnId = resolve));
  const subscriptions = [
    client.onNotification("turn/started", (params) => {
      if (params.threadId === threadId) startedTurns.set(params.turn.id, params.turn);
    }),
    client.onNotification("item/started", (params) => {
      if (params.threadId === threadId && params.item.type === "contextCompaction") resolveTurnId(params.turnId);
    }),
  ];
  let turn: Turn;
  try {
    await client.request("thread/compact/start", { threadId });
    const turnId = await Promise.race([
      compactionTurnId,
      client.closed.then((error) => {
        throw error;
      }),
    ]);
    // Only the id is used; the turn's own events (turn/started included) are in the reservation.
    turn = startedTurns.get(turnId) ?? ({ id: turnId, items: [], status: "inProgress" } as unknown as Turn);
  } catch (error) {
    reservation.release();
    throw error;
  } finally {
    for (const subscription of subscriptions) subscription.dispose();
  }
  return new TurnHandle<null>({ client, threadId, turn, attach: (sink) => reservation.claim(sink) });
}

/**
 * @internal Starts a review (`review/start`, inline on `threadId`) and returns its turn, as
 * `thread.turn()` does for `turn/start`.
 */
export async function startReview(context: ThreadContext, threadId: string, target: ReviewTarget, options: ReviewOptions): Promise<TurnHandle<null>> {
  const { signal, ...params } = options;
  if (signal?.aborted) throw abortErrorFrom(signal, "Starting the review");
  const { client, router } = context;
  const reservation = await router.reserve(threadId, signal);
  let response;
  try {
    // No signal on the request: once written, the review turn exists, and only the reply's
    // turn id lets us interrupt it.
    response = await client.request("review/start", { ...params, threadId, target });
  } catch (error) {
    reservation.release();
    throw error;
  }
  const handle = new TurnHandle<null>({ client, threadId, turn: response.turn, signal, attach: (sink) => reservation.claim(sink) });
  if (signal?.aborted) {
    await handle.run().catch((error: unknown) => {
      if (!AbortError.isInstance(error)) throw error;
    });
    throw abortErrorFrom(signal, "Starting the review");
  }
  return handle;
}
