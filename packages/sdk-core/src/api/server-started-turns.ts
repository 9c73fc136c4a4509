// Turns started by a request other than `turn/start`: a compaction (`thread/compact/start`, whose
// reply is empty: the turn is known only from the `turn/started` that follows) and a review
// (`review/start`, whose reply names the turn). Each becomes an ordinary `TurnHandle`.
import type { ReviewStartParams, ReviewTarget, Turn } from "@codex/protocol-types/experimental";
import { AbortError, abortErrorFrom } from "../errors.js";
import { openTurnHandle, type TurnHandle } from "./turn-handle.js";
import type { ThreadContext } from "./thread.js";
import type { TurnReservation } from "./turn-router.js";

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
 * Rejects with `TurnLostError` if the thread is lost first (closed, unsubscribed, archived,
 * deleted), and with `TransportClosedError` if the connection is interrupted or ends first.
 */
export async function startCompaction(context: ThreadContext, threadId: string): Promise<TurnHandle<null>> {
  const { client, router } = context;
  // Waits for this client's running turn on the thread, as `thread.turn()` does.
  const reservation = await router.reserve(threadId);
  const startedTurns = new Map<string, Turn>();
  // Turns that carry user input: never the compaction's, which has none.
  const inputTurns = new Set<string>();
  let resolveTurnId!: (turnId: string) => void;
  const compactionTurnId = new Promise<string>((resolve) => (resolveTurnId = resolve));
  const subscriptions = [
    client.onNotification("turn/started", (params) => {
      if (params.threadId === threadId) startedTurns.set(params.turn.id, params.turn);
    }),
    client.onNotification("item/started", (params) => {
      if (params.threadId !== threadId) return;
      if (params.item.type === "contextCompaction") resolveTurnId(params.turnId);
      else if (params.item.type === "userMessage") inputTurns.add(params.turnId);
    }),
    client.onNotification("turn/completed", (params) => {
      // A turn begun after the reservation that ends without a compaction item and without user
      // input (the compaction failed at once): it is the compaction's turn, and its handle reports
      // how it ended. A turn with user input is another one (started just before, or by another
      // client) that happened to end first.
      const id = params.turn.id;
      if (params.threadId === threadId && startedTurns.has(id) && !inputTurns.has(id) && !reservation.joined(id))
        resolveTurnId(id);
    }),
  ];
  let turn: Turn;
  try {
    await client.request("thread/compact/start", { threadId });
    const turnId = await Promise.race([
      compactionTurnId,
      // Rejects when the thread is lost (TurnLostError) or the connection is interrupted or gone.
      reservation.started.then(() => new Promise<never>(() => {})),
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
  return openTurnHandle<null>(reservation, { client, threadId, turn });
}

/**
 * @internal Starts a review (`review/start`, inline on `threadId`) and returns its turn, as
 * `thread.turn()` does for `turn/start`: without a timeout (the review turn exists once the
 * request is written), and recovering a lost reply from the thread's `turn/started`.
 */
export async function startReview(
  context: ThreadContext,
  threadId: string,
  target: ReviewTarget,
  options: ReviewOptions,
): Promise<TurnHandle<null>> {
  const { signal, ...params } = options;
  if (signal?.aborted) throw abortErrorFrom(signal, "Starting the review");
  const { client, router } = context;
  const reservation = await router.reserve(threadId, signal);
  let turn: Turn;
  try {
    turn = await sendReviewStart(context, reservation, { ...params, threadId, target });
  } catch (error) {
    reservation.release();
    throw error;
  }
  const handle = openTurnHandle<null>(reservation, { client, threadId, turn, signal });
  if (signal?.aborted) {
    await handle.run().catch((error: unknown) => {
      if (!AbortError.isInstance(error)) throw error;
    });
    throw abortErrorFrom(signal, "Starting the review");
  }
  return handle;
}

/**
 * Sends `review/start` and resolves with its turn: from the reply, or from the thread's
 * `turn/started` if that comes first.
 */
function sendReviewStart(
  context: ThreadContext,
  reservation: TurnReservation,
  params: ReviewStartParams,
): Promise<Turn> {
  // No caller signal on the request: once written, the review turn exists, and only its id lets
  // us interrupt it. This controller only stops waiting for a reply that no longer matters.
  const unneeded = new AbortController();
  return new Promise<Turn>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    context.client
      .request("review/start", params, { timeoutMs: Number.POSITIVE_INFINITY, signal: unneeded.signal })
      .then(
        (response) => settle(() => resolve(response.turn)),
        (error: unknown) => settle(() => reject(error)),
      );
    reservation.started.then(
      (turn) =>
        settle(() => {
          resolve(turn);
          unneeded.abort(new AbortError("The review turn was recovered from turn/started."));
        }),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}
