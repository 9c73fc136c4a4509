// Routes the client's notification stream to the turns that own them.
//
// The hard part is the start of a turn: the server emits the turn's first notifications
// (`warning`, `thread/status/changed`, even `turn/started` and, for a fast turn, everything up
// to `turn/completed`) before or interleaved with the `turn/start` response, so the turn id is
// not known yet when they arrive. A reservation is therefore made for the thread *before*
// `turn/start` is written; it buffers every notification of that thread until the response
// names the turn, then hands the ones that belong to it over in arrival order. Nothing of the
// turn can be lost, in particular not `turn/completed` (whose loss makes a turn wait forever).
//
// Attribution rules, one active turn per thread:
// - a notification whose `turnId` (or `turn.id`) names a turn goes to that turn only;
// - a thread-scoped notification without a turn id (`thread/status/changed`,
//   `serverRequest/resolved`, `warning`, ...) goes to the turn active on that thread, or to the
//   reservation waiting on it;
// - a notification without a `threadId` (account, rate limits, config) belongs to no turn.
import type { Notification } from "../notification.js";

/** Receives the notifications of one turn, in order. */
export interface TurnSink {
  readonly threadId: string;
  readonly id: string;
  /** Takes one notification of this turn. Returns true once the turn is over (`turn/completed`). */
  accept(notification: Notification): boolean;
  /** The connection ended before the turn did. */
  fail(error: Error): void;
}

/** Where a notification belongs: its thread and, when it says, its turn. */
export function notificationScope(notification: Notification): { threadId: string | undefined; turnId: string | undefined } {
  const params = notification.params;
  if (typeof params !== "object" || params === null) return { threadId: undefined, turnId: undefined };
  const record = params as Record<string, unknown>;
  const threadId = typeof record["threadId"] === "string" ? record["threadId"] : undefined;
  let turnId = typeof record["turnId"] === "string" ? record["turnId"] : undefined;
  if (turnId === undefined && (notification.method === "turn/started" || notification.method === "turn/completed")) {
    const turn = record["turn"];
    if (typeof turn === "object" && turn !== null && typeof (turn as Record<string, unknown>)["id"] === "string") {
      turnId = (turn as Record<string, string>)["id"];
    }
  }
  // One small object per notification: this runs for every delta, on the hot path.
  return { threadId, turnId };
}

/** A claim on a thread's next turn, made before `turn/start` is written. */
export interface TurnReservation {
  /** Attaches the turn the `turn/start` response named and replays what arrived before it. */
  claim(sink: TurnSink): void;
  /** Gives the reservation up (the `turn/start` request failed). */
  release(): void;
}

/**
 * Dispatches notifications to the live turns of one connection. Feed it every notification in
 * arrival order (`route`), and tell it when the connection ends (`fail`).
 */
export class TurnRouter {
  readonly #byTurn = new Map<string, Set<TurnSink>>();
  readonly #activeByThread = new Map<string, Set<TurnSink>>();
  readonly #pendingByThread = new Map<string, Set<PendingReservation>>();
  #failure: Error | undefined;

  /** Reserves the next turn of `threadId`: from now on its notifications are kept. */
  reserve(threadId: string): TurnReservation {
    const pending = new PendingReservation(this, threadId);
    add(this.#pendingByThread, threadId, pending);
    return pending;
  }

  /** Delivers one notification to every turn it belongs to. */
  route(notification: Notification): void {
    const { threadId, turnId } = notificationScope(notification);
    if (threadId === undefined) return;
    const targets = turnId === undefined ? this.#activeByThread.get(threadId) : this.#byTurn.get(turnId);
    // Iterating the Set itself: #deliver may delete the current sink, which a Set iterator allows.
    if (targets) for (const sink of targets) this.#deliver(sink, notification);
    const pending = this.#pendingByThread.get(threadId);
    if (pending) for (const reservation of pending) reservation.buffer.push(notification);
  }

  /** Ends every live turn with `error` (the connection is gone). Later turns fail at once. */
  fail(error: Error): void {
    this.#failure ??= error;
    const sinks = new Set<TurnSink>();
    for (const set of this.#byTurn.values()) for (const sink of set) sinks.add(sink);
    this.#byTurn.clear();
    this.#activeByThread.clear();
    this.#pendingByThread.clear();
    for (const sink of sinks) sink.fail(error);
  }

  /**
   * Ends every live turn with `error` because the connection was lost and is being opened
   * again; turns started afterwards are routed as usual.
   */
  interrupt(error: Error): void {
    const sinks = new Set<TurnSink>();
    for (const set of this.#byTurn.values()) for (const sink of set) sinks.add(sink);
    this.#byTurn.clear();
    this.#activeByThread.clear();
    for (const sink of sinks) sink.fail(error);
  }

  /** Number of turns being routed and reservations waiting (for tests and leak checks). */
  get size(): { turns: number; reservations: number } {
    let reservations = 0;
    for (const set of this.#pendingByThread.values()) reservations += set.size;
    let turns = 0;
    for (const set of this.#byTurn.values()) turns += set.size;
    return { turns, reservations };
  }

  /** @internal */
  claim(pending: PendingReservation, sink: TurnSink): void {
    remove(this.#pendingByThread, pending.threadId, pending);
    if (this.#failure) {
      // The connection ended while turn/start was answered: keep the events, then end the turn.
      for (const notification of pending.buffer) if (this.#belongs(sink, notification) && sink.accept(notification)) return;
      sink.fail(this.#failure);
      return;
    }
    add(this.#byTurn, sink.id, sink);
    add(this.#activeByThread, sink.threadId, sink);
    for (const notification of pending.buffer) {
      if (!this.#belongs(sink, notification)) continue;
      if (this.#deliver(sink, notification)) break;
    }
    pending.buffer.length = 0;
  }

  /** @internal */
  release(pending: PendingReservation): void {
    remove(this.#pendingByThread, pending.threadId, pending);
    pending.buffer.length = 0;
  }

  #belongs(sink: TurnSink, notification: Notification): boolean {
    const { turnId } = notificationScope(notification);
    // Events of another turn on this thread (a previous turn's stragglers) are not ours.
    return turnId === undefined || turnId === sink.id;
  }

  #deliver(sink: TurnSink, notification: Notification): boolean {
    const finished = sink.accept(notification);
    if (finished) {
      remove(this.#byTurn, sink.id, sink);
      remove(this.#activeByThread, sink.threadId, sink);
    }
    return finished;
  }

}

class PendingReservation implements TurnReservation {
  readonly buffer: Notification[] = [];
  #settled = false;

  constructor(
    private readonly router: TurnRouter,
    readonly threadId: string,
  ) {}

  claim(sink: TurnSink): void {
    if (this.#settled) throw new Error("This turn reservation was already claimed or released.");
    this.#settled = true;
    this.router.claim(this, sink);
  }

  release(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.router.release(this);
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
