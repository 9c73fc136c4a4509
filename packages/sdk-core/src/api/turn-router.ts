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
//
// The router is the one place that knows a turn has ended: by its `turn/completed`, by its
// thread's events stopping (closed, unsubscribed, archived, deleted, unloaded: `TurnLostError`),
// or by the connection ending or being reopened. Every ending of a routed turn goes through one
// method (`#end`), and `onTurnEnd` tells the rest of the connection (the server-request scope,
// which lets go of the turn's items and handlers and aborts its pending requests).
//
// The router also keeps this client's turns of one thread in order (a second `thread.turn()`
// waits until the first has ended: the server would otherwise merge the two), and recovers a
// turn whose `turn/start` reply never came from its `turn/started`.
import type { Turn } from "@codex/protocol-types/experimental";
import { abortErrorFrom, TurnLostError } from "../errors.js";
import type { Notification } from "../notification.js";

/** Receives the notifications of one turn, in order, then exactly one ending. */
export interface TurnSink {
  readonly threadId: string;
  readonly id: string;
  /** Takes one notification of this turn (its `turn/completed` included). */
  accept(notification: Notification): void;
  /** The turn completed: `turn` is its `turn/completed` payload, the last notification accepted. */
  complete(turn: Turn): void;
  /** The turn ended for this client before its `turn/completed`: the thread was lost, or the connection. */
  fail(error: Error): void;
}

/**
 * A turn's end, as `onTurnEnd` tells it: one turn (`turnId`), every turn of a thread whose events
 * stopped (`threadId` without `turnId`), or every turn of the connection (neither).
 */
export interface TurnEnd {
  readonly threadId: string | undefined;
  readonly turnId: string | undefined;
  /** Why the turns ended for this client; undefined when the turn completed (`turn/completed`). */
  readonly error: Error | undefined;
}

/** The thread a notification belongs to (its `params.threadId`), if it names one. */
export function notificationThreadId(notification: Notification): string | undefined {
  const params = notification.params as { threadId?: unknown } | null | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const threadId = params.threadId;
  return typeof threadId === "string" ? threadId : undefined;
}

/** The turn a `turn/completed` notification ends (its `params.turn`); undefined for any other notification. */
function completedTurn(notification: Notification): Turn | undefined {
  if ((notification.method as string) !== "turn/completed") return undefined;
  const turn = (notification.params as { turn?: unknown } | null | undefined)?.turn;
  return typeof turn === "object" && turn !== null && typeof (turn as { id?: unknown }).id === "string"
    ? (turn as Turn)
    : undefined;
}

/**
 * The turn a notification belongs to (its `params.turnId`, or `params.turn.id` on `turn/started`
 * and `turn/completed`), if it names one.
 */
export function notificationTurnId(notification: Notification): string | undefined {
  const params = notification.params as { turnId?: unknown; turn?: { id?: unknown } | null } | null | undefined;
  if (typeof params !== "object" || params === null) return undefined;
  const turnId = params.turnId;
  if (typeof turnId === "string") return turnId;
  const method = notification.method as string;
  if (method === "turn/started" || method === "turn/completed") {
    const turn = params.turn;
    if (typeof turn === "object" && turn !== null && typeof turn.id === "string") return turn.id;
  }
  return undefined;
}

/** A claim on a thread's next turn, made before `turn/start` is written. */
export interface TurnReservation {
  /**
   * Resolves with the turn of the first `turn/started` of the thread that names a turn not
   * already running when the reservation was made: the turn this `turn/start` began, for when
   * its reply is lost. Rejects with `TurnLostError` (or the connection's error) when the
   * thread's events stop. Never settles otherwise.
   */
  readonly started: Promise<Turn>;
  /**
   * True if `turnId` was already running on the server when the reservation was made: the
   * server added this input to a turn another client started.
   */
  joined(turnId: string): boolean;
  /** Attaches the turn the `turn/start` response named and replays what arrived before it. */
  claim(sink: TurnSink): void;
  /** Gives the reservation up (the `turn/start` request failed). */
  release(): void;
}

/** Ends the notifications of threads whose events stop: their live turns are lost. */
const THREAD_GONE: ReadonlyMap<string, string> = new Map([
  ["thread/closed", "the thread was closed (thread/closed)"],
  ["thread/archived", "the thread was archived (thread/archived)"],
  ["thread/deleted", "the thread was deleted (thread/deleted)"],
]);

/**
 * Dispatches notifications to the live turns of one connection. Feed it every notification in
 * arrival order (`route`), and tell it when the connection ends (`fail`).
 */
export class TurnRouter {
  readonly #byTurn = new Map<string, Set<TurnSink>>();
  readonly #activeByThread = new Map<string, Set<TurnSink>>();
  readonly #pendingByThread = new Map<string, Set<PendingReservation>>();
  /** Turns running on the server per thread, from `turn/started` to `turn/completed`, whoever started them. */
  readonly #runningByThread = new Map<string, Set<string>>();
  /**
   * Per thread: the queue of `thread.turn()` calls waiting for this client's running turn to end.
   * Present while one holds the thread.
   */
  readonly #lanes = new Map<string, (() => void)[]>();
  /** What ends each claimed sink's hold on its thread. */
  readonly #unlocks = new Map<TurnSink, () => void>();
  #failure: Error | undefined;
  /** Called with every notification before it is routed (per-connection state kept beside the turns). */
  readonly #observers = new Set<(notification: Notification) => void>();

  /** Called with the error of every `interrupt` (the connection was lost and is being opened again). */
  readonly #interruptListeners = new Set<(error: Error) => void>();
  /** Called with every end of a turn, a thread's turns, or the connection's turns. */
  readonly #endListeners = new Set<(end: TurnEnd) => void>();

  /**
   * Calls `listener` whenever turns end: a turn's `turn/completed` (whoever started the turn), a
   * thread whose events stop, the connection ending or being reopened. Until the returned
   * function is called.
   */
  onTurnEnd(listener: (end: TurnEnd) => void): () => void {
    this.#endListeners.add(listener);
    return () => this.#endListeners.delete(listener);
  }

  /** Calls `listener` on every `interrupt`, until the returned function is called. */
  onInterrupt(listener: (error: Error) => void): () => void {
    this.#interruptListeners.add(listener);
    return () => this.#interruptListeners.delete(listener);
  }

  /** Calls `observer` with every notification this router is fed, before routing it. */
  observe(observer: (notification: Notification) => void): void {
    this.#observers.add(observer);
  }

  /**
   * Reserves the next turn of `threadId` once this client's earlier turn on it (if any) has
   * ended: from then on the thread's notifications are kept. Rejects with `AbortError` when
   * `signal` aborts first, or with the connection's error once it is gone.
   */
  async reserve(threadId: string, signal?: AbortSignal): Promise<TurnReservation> {
    if (this.#failure) throw this.#failure;
    await this.#lock(threadId, signal);
    if (this.#failure) {
      this.#unlock(threadId);
      throw this.#failure;
    }
    const pending = new PendingReservation(this, threadId, new Set(this.#runningByThread.get(threadId)));
    add(this.#pendingByThread, threadId, pending);
    return pending;
  }

  /** Delivers one notification to every turn it belongs to. */
  route(notification: Notification): void {
    for (const observer of this.#observers) observer(notification);
    // Runs for every notification (every delta): the scope is read field by field, without a record.
    const threadId = notificationThreadId(notification);
    if (threadId === undefined) return;
    const turnId = notificationTurnId(notification);
    const method = notification.method as string;
    const completed = turnId === undefined ? undefined : completedTurn(notification);
    if (turnId !== undefined) {
      if (method === "turn/started") add(this.#runningByThread, threadId, turnId);
      else if (completed !== undefined) remove(this.#runningByThread, threadId, turnId);
    }
    const targets = turnId === undefined ? this.#activeByThread.get(threadId) : this.#byTurn.get(turnId);
    // Iterating the Set itself: #deliver may delete the current sink, which a Set iterator allows.
    if (targets) for (const sink of targets) this.#deliver(sink, notification);
    const pending = this.#pendingByThread.get(threadId);
    if (pending) {
      for (const reservation of pending) {
        reservation.buffer.push(notification);
        if (method === "turn/started" && turnId !== undefined) reservation.sawStarted(turnId, notification);
      }
    }
    if (completed !== undefined) this.#announce({ threadId, turnId, error: undefined });
    const gone = THREAD_GONE.get(method);
    if (gone !== undefined) this.lose(threadId, gone);
    else if (method === "thread/status/changed" && isNotLoaded(notification.params)) {
      // An unloaded thread runs no turn and sends nothing more (the server says so on archive).
      this.lose(threadId, "the thread was unloaded (thread/status/changed: notLoaded)");
    }
  }

  /**
   * The thread's events stop reaching this client: its live turns end with `TurnLostError`, and
   * a turn whose `turn/start` is still unanswered will end so as soon as it is claimed.
   */
  lose(threadId: string, reason: string): void {
    this.#runningByThread.delete(threadId);
    const sinks = this.#activeByThread.get(threadId);
    if (sinks) for (const sink of [...sinks]) this.#end(sink, new TurnLostError(threadId, sink.id, reason));
    const pending = this.#pendingByThread.get(threadId);
    if (pending) for (const reservation of pending) reservation.lose(reason);
    this.#announce({ threadId, turnId: undefined, error: new TurnLostError(threadId, undefined, reason) });
  }

  /** Ends every live turn with `error` (the connection is gone). Later turns fail at once. */
  fail(error: Error): void {
    this.#failure ??= error;
    const sinks = new Set<TurnSink>();
    for (const set of this.#byTurn.values()) for (const sink of set) sinks.add(sink);
    const pending = [...this.#pendingByThread.values()].flatMap((set) => [...set]);
    this.#byTurn.clear();
    this.#activeByThread.clear();
    this.#pendingByThread.clear();
    this.#runningByThread.clear();
    this.#unlocks.clear();
    const waiting = [...this.#lanes.values()].flat();
    this.#lanes.clear();
    // Waiting thread.turn() calls wake up and see the failure.
    for (const wake of waiting) wake();
    for (const reservation of pending) reservation.fail(error);
    for (const sink of sinks) this.#end(sink, error);
    this.#announce({ threadId: undefined, turnId: undefined, error });
  }

  /**
   * Ends every live turn with `error` because the connection was lost and is being opened
   * again; their threads are free for the next turn, which is routed as usual. A `turn/start`
   * still in flight fails through its request, and a reservation's `started` rejects with `error`.
   */
  interrupt(error: Error): void {
    const sinks = new Set<TurnSink>();
    for (const set of this.#byTurn.values()) for (const sink of set) sinks.add(sink);
    this.#byTurn.clear();
    this.#activeByThread.clear();
    // What runs on the server is unknown until the new connection says.
    this.#runningByThread.clear();
    // A reservation still waiting for its turn/started will not see it on this connection.
    for (const set of this.#pendingByThread.values()) for (const reservation of set) reservation.fail(error);
    for (const sink of sinks) this.#end(sink, error);
    this.#announce({ threadId: undefined, turnId: undefined, error });
    for (const listener of [...this.#interruptListeners]) listener(error);
  }

  /**
   * Number of turns being routed, reservations waiting, threads held, calls waiting for them, and
   * turns running (for tests and leak checks).
   */
  get size(): { turns: number; reservations: number; lanes: number; waiting: number; running: number } {
    let waiting = 0;
    for (const queue of this.#lanes.values()) waiting += queue.length;
    let reservations = 0;
    for (const set of this.#pendingByThread.values()) reservations += set.size;
    let turns = 0;
    for (const set of this.#byTurn.values()) turns += set.size;
    let running = 0;
    for (const set of this.#runningByThread.values()) running += set.size;
    return { turns, reservations, lanes: this.#lanes.size, waiting, running };
  }

  /** @internal */
  claim(pending: PendingReservation, sink: TurnSink): void {
    remove(this.#pendingByThread, pending.threadId, pending);
    const ended =
      this.#failure ??
      (pending.lost === undefined ? undefined : new TurnLostError(sink.threadId, sink.id, pending.lost));
    if (ended) {
      // The connection ended (or the thread was lost) while turn/start was answered: keep the
      // events, then end the turn.
      if (this.#failure === undefined) this.#unlock(pending.threadId);
      for (const notification of pending.buffer)
        if (this.#belongs(sink, notification) && this.#deliver(sink, notification)) return;
      this.#end(sink, ended);
      return;
    }
    add(this.#byTurn, sink.id, sink);
    add(this.#activeByThread, sink.threadId, sink);
    this.#unlocks.set(sink, () => this.#unlock(pending.threadId));
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
    if (this.#failure === undefined) this.#unlock(pending.threadId);
  }

  /** Waits until no turn of this client holds `threadId`, then holds it. */
  #lock(threadId: string, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal, "Starting the turn"));
    const queue = this.#lanes.get(threadId);
    if (queue === undefined) {
      this.#lanes.set(threadId, []);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = queue.indexOf(wake);
        if (index !== -1) queue.splice(index, 1);
        reject(abortErrorFrom(signal!, "Waiting for the thread's running turn"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(wake);
    });
  }

  /** Hands `threadId` to the next waiting `thread.turn()`, or frees it. */
  #unlock(threadId: string): void {
    const queue = this.#lanes.get(threadId);
    if (queue === undefined) return;
    const next = queue.shift();
    if (next === undefined) this.#lanes.delete(threadId);
    else next();
  }

  #finished(sink: TurnSink): void {
    const unlock = this.#unlocks.get(sink);
    if (unlock === undefined) return;
    this.#unlocks.delete(sink);
    unlock();
  }

  #belongs(sink: TurnSink, notification: Notification): boolean {
    const turnId = notificationTurnId(notification);
    // Events of another turn on this thread (a previous turn's stragglers) are not ours.
    return turnId === undefined || turnId === sink.id;
  }

  /** Hands `sink` one notification of its turn; true if it was the turn's `turn/completed` (the turn has ended). */
  #deliver(sink: TurnSink, notification: Notification): boolean {
    sink.accept(notification);
    const completed = completedTurn(notification);
    if (completed === undefined) return false;
    this.#end(sink, completed);
    return true;
  }

  /**
   * Every routed turn ends here, once: completed (`turn/completed`'s turn) or not (the error).
   * It stops being routed and lets the next `thread.turn()` of its thread go.
   */
  #end(sink: TurnSink, ending: Turn | Error): void {
    remove(this.#byTurn, sink.id, sink);
    remove(this.#activeByThread, sink.threadId, sink);
    this.#finished(sink);
    if (ending instanceof Error) sink.fail(ending);
    else sink.complete(ending);
  }

  #announce(end: TurnEnd): void {
    for (const listener of [...this.#endListeners]) listener(end);
  }
}

class PendingReservation implements TurnReservation {
  readonly buffer: Notification[] = [];
  readonly started: Promise<Turn>;
  /** Why the thread was lost while this reservation waited, if it was. */
  lost: string | undefined;
  #settled = false;
  #resolveStarted!: (turn: Turn) => void;
  #rejectStarted!: (error: Error) => void;

  constructor(
    private readonly router: TurnRouter,
    readonly threadId: string,
    private readonly runningBefore: ReadonlySet<string>,
  ) {
    this.started = new Promise<Turn>((resolve, reject) => {
      this.#resolveStarted = resolve;
      this.#rejectStarted = reject;
    });
    // Nobody may be waiting on it (the reply came first): a rejection is not unhandled.
    this.started.catch(() => {});
  }

  joined(turnId: string): boolean {
    return this.runningBefore.has(turnId);
  }

  sawStarted(turnId: string, notification: Notification): void {
    if (this.runningBefore.has(turnId)) return;
    this.#resolveStarted((notification.params as { turn: Turn }).turn);
  }

  lose(reason: string): void {
    this.lost ??= reason;
    this.#rejectStarted(new TurnLostError(this.threadId, undefined, reason));
  }

  fail(error: Error): void {
    this.#rejectStarted(error);
  }

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

function isNotLoaded(params: unknown): boolean {
  const status = (params as { status?: { type?: unknown } } | undefined)?.status;
  return typeof status === "object" && status !== null && status.type === "notLoaded";
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
