// The context `Codex` gives server-request handlers — the item a request is about and a `Thread`
// handle — and the per-turn handlers of `TurnOptions.serverRequests`, which answer their own
// turn's requests before the connection-wide handlers.
//
// Items are looked up from `item/started`, and only items still in progress are kept: a request
// is always about a running item, so an entry goes at its `item/completed`, and everything of a
// turn goes when the turn router says the turn ended (`turnEnded`: it completed, its thread was
// lost, or the connection). Nothing outlives its turn.
import type { ServerRequestMethod, ThreadItem } from "@codex/protocol-types/experimental";
import {
  UNHANDLED,
  type ServerRequestContext,
  type ServerRequestHandler,
  type ServerRequestHandlers,
  type ServerRequestScope,
} from "../rpc/server-requests.js";
import type { Notification } from "../notification.js";
import type { Thread } from "./thread.js";
import type { TurnEnd } from "./turn-router.js";

/** @internal A claim on the server requests of a thread's next turn, made before `turn/start` is written. */
export interface TurnServerRequests {
  /** The `turn/start` reply named the turn: its requests go to these handlers until it completes. */
  bind(turnId: string): void;
  /** The turn never started (`turn/start` failed): forget the handlers. */
  release(): void;
}

interface PendingTurn {
  readonly handlers: ServerRequestHandlers;
  /** Resolves with the turn id once bound, or undefined once released. */
  readonly bound: Promise<string | undefined>;
  /** True once its thread's events stopped before the turn was bound: its handlers are not kept. */
  lost?: boolean;
  /** Turns of its thread that completed before it was bound (a fast turn can end before the
   * `turn/start` reply): binding to one of them keeps no handlers. */
  readonly ended: Set<string>;
}

/** @internal The `ServerRequestScope` of one `Codex`. */
export class CodexServerRequestScope implements ServerRequestScope {
  /** In-progress items per turn id, by item id. */
  readonly #items = new Map<string, Map<string, ThreadItem>>();
  /** Which thread each turn with kept items belongs to (to drop them when the thread closes). */
  readonly #threadOfTurn = new Map<string, string>();
  readonly #turnHandlers = new Map<string, { threadId: string; handlers: ServerRequestHandlers }>();
  readonly #pending = new Map<string, Set<PendingTurn>>();
  readonly #makeThread: (threadId: string) => Thread;
  /** Aborts the pending requests of a completed turn (given by the client when the scope is set). */
  #endTurnRequests: (turnId: string) => void = () => {};

  constructor(makeThread: (threadId: string) => Thread) {
    this.#makeThread = makeThread;
  }

  /** Takes one notification of the connection (in order, before any later server request). */
  observe(notification: Notification): void {
    switch (notification.method) {
      case "item/started": {
        const params = notification.params;
        let items = this.#items.get(params.turnId);
        if (items === undefined) {
          items = new Map();
          this.#items.set(params.turnId, items);
          this.#threadOfTurn.set(params.turnId, params.threadId);
        }
        items.set(params.item.id, params.item);
        break;
      }
      case "item/completed": {
        const params = notification.params;
        const items = this.#items.get(params.turnId);
        if (items === undefined) break;
        items.delete(params.item.id);
        if (items.size === 0) this.#forgetItems(params.turnId);
        break;
      }
      default:
        break;
    }
  }

  /**
   * The router's word that turns ended: one turn (it completed, so its pending requests are
   * aborted too), every turn of a thread whose events stopped (no `turn/completed` will end
   * them), or every turn of the connection.
   */
  turnEnded(end: TurnEnd): void {
    if (end.turnId !== undefined) {
      this.#turnEnded(end.turnId);
      if (end.error === undefined) this.#endTurnRequests(end.turnId);
      if (end.threadId !== undefined) {
        for (const pending of this.#pending.get(end.threadId) ?? []) pending.ended.add(end.turnId);
      }
    } else if (end.threadId !== undefined) this.#forgetThread(end.threadId);
    else this.#forgetTurns();
  }

  connect(endTurn: (turnId: string) => void): void {
    this.#endTurnRequests = endTurn;
  }

  /** Lets go of the items and per-turn handlers of `threadId`'s turns. */
  #forgetThread(threadId: string): void {
    for (const [turnId, owner] of [...this.#threadOfTurn]) if (owner === threadId) this.#turnEnded(turnId);
    for (const [turnId, entry] of [...this.#turnHandlers]) if (entry.threadId === threadId) this.#turnEnded(turnId);
    // A turn whose turn/start reply is still being handled ends with the thread too.
    for (const pending of this.#pending.get(threadId) ?? []) pending.lost = true;
  }

  /** Lets go of every turn's items and handlers: the connection was lost, and its turns with it. */
  #forgetTurns(): void {
    this.#items.clear();
    this.#threadOfTurn.clear();
    this.#turnHandlers.clear();
  }

  /** Number of turns whose items or handlers are kept (for leak checks in tests). */
  get size(): { turnsWithItems: number; turnsWithHandlers: number } {
    return { turnsWithItems: this.#items.size, turnsWithHandlers: this.#turnHandlers.size };
  }

  /** Registers `handlers` for the next turn of `threadId`, before its `turn/start` is written. */
  reserve(threadId: string, handlers: ServerRequestHandlers): TurnServerRequests {
    let settle!: (turnId: string | undefined) => void;
    const pending: PendingTurn = { handlers, ended: new Set(), bound: new Promise((resolve) => (settle = resolve)) };
    let set = this.#pending.get(threadId);
    if (set === undefined) {
      set = new Set();
      this.#pending.set(threadId, set);
    }
    set.add(pending);
    const remove = (): void => {
      const current = this.#pending.get(threadId);
      current?.delete(pending);
      if (current?.size === 0) this.#pending.delete(threadId);
    };
    return {
      bind: (turnId) => {
        remove();
        if (pending.lost !== true && !pending.ended.has(turnId)) {
          this.#turnHandlers.set(turnId, { threadId, handlers });
        }
        settle(turnId);
      },
      release: () => {
        remove();
        settle(undefined);
      },
    };
  }

  extend(params: unknown, context: ServerRequestContext): ServerRequestContext {
    const record = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
    const itemId =
      typeof record["itemId"] === "string"
        ? record["itemId"]
        : typeof record["callId"] === "string"
          ? record["callId"]
          : undefined;
    const item =
      context.turnId !== null && itemId !== undefined ? (this.#items.get(context.turnId)?.get(itemId) ?? null) : null;
    const thread = context.threadId !== null ? this.#makeThread(context.threadId) : null;
    return { ...context, item, thread };
  }

  handlerFor(
    method: string,
    context: ServerRequestContext,
    fallback: ServerRequestHandler<ServerRequestMethod> | undefined,
  ): ServerRequestHandler<ServerRequestMethod> | undefined {
    const { turnId, threadId } = context;
    if (turnId === null) return fallback;
    const own = this.#turnHandlers.get(turnId);
    if (own !== undefined) return pick(own.handlers, method) ?? fallback;
    const pending = threadId === null ? undefined : this.#pending.get(threadId);
    if (pending === undefined || pending.size === 0) return fallback;
    // A request that arrives before its turn's `turn/start` reply: wait for the reply to say
    // whether the turn is one with its own handlers.
    const waiting = [...pending];
    return async (params, handlerContext) => {
      const ids = await Promise.all(waiting.map((entry) => entry.bound));
      const index = ids.indexOf(turnId);
      const handler = (index === -1 ? undefined : pick(waiting[index]!.handlers, method)) ?? fallback;
      if (handler === undefined) return UNHANDLED as never;
      return handler(params, handlerContext);
    };
  }

  #turnEnded(turnId: string): void {
    this.#forgetItems(turnId);
    this.#turnHandlers.delete(turnId);
  }

  #forgetItems(turnId: string): void {
    this.#items.delete(turnId);
    this.#threadOfTurn.delete(turnId);
  }
}

function pick(handlers: ServerRequestHandlers, method: string): ServerRequestHandler<ServerRequestMethod> | undefined {
  const handler = (handlers as Record<string, unknown>)[method];
  return typeof handler === "function" ? (handler as ServerRequestHandler<ServerRequestMethod>) : undefined;
}
