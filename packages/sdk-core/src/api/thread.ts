// A local handle on one conversation: its id, plus the thread- and turn-level requests.
import type { ThreadReadParams, ThreadReadResponse, ThreadUnsubscribeStatus, Turn, TurnStartParams } from "@codex/protocol-types/experimental";
import { abortErrorFrom, AbortError } from "../errors.js";
import type { AppServerClient } from "../rpc/client.js";
import { toUserInput, type RunInput } from "./inputs.js";
import { TurnHandle } from "./turn-handle.js";
import type { TurnResult } from "./turn-result.js";
import type { TurnReservation, TurnRouter } from "./turn-router.js";

/**
 * Options of `thread.turn()` and `thread.run()`: every `turn/start` field except `threadId` and
 * `input` (model, effort, cwd, approvalPolicy, sandboxPolicy, outputSchema, personality,
 * serviceTier, summary, ...), plus a `signal`.
 */
export type TurnOptions = Omit<TurnStartParams, "threadId" | "input"> & {
  /**
   * Aborting interrupts the turn on the server (`turn/interrupt`, retried while the server is
   * overloaded) and then rejects the turn's `run()` / `stream()` (and a pending `thread.turn()`)
   * with `AbortError` once the server confirmed, or `InterruptFailedError` (the server's reply as
   * `cause`) when it did not. An abort after `turn/completed` changes nothing.
   */
  signal?: AbortSignal | undefined;
  /**
   * Keep every event of the turn so that `stream()` can replay it (default true). With `false`
   * nothing is kept beyond what the one `stream()` reader has not read yet, so memory stays flat
   * through an hours-long turn: `stream()` then runs once, and only if called before `run()`.
   * `run()` still returns the full `TurnResult`.
   */
  record?: boolean | undefined;
};

/** Options of `thread.read()`. */
export type ThreadReadOptions = Omit<ThreadReadParams, "threadId">;

/** @internal What a `Thread` needs from its `Codex`. */
export interface ThreadContext {
  client: AppServerClient;
  router: TurnRouter;
  /** Threads this client holds, resumed after a reconnect; a thread it lets go of leaves it. */
  loadedThreads?: Set<string> | undefined;
}

/**
 * One conversation. Multi-turn chat is several turns on the same `Thread`. Get one from
 * `codex.threadStart()`, `codex.threadResume()`, `codex.threadFork()`, or bind an existing id
 * with `codex.thread(id)` (no request).
 */
export class Thread {
  /** The thread's id. */
  readonly id: string;
  readonly #context: ThreadContext;

  /** @internal Use `codex.thread(id)` or `codex.threadStart()`. */
  constructor(context: ThreadContext, id: string) {
    this.#context = context;
    this.id = id;
  }

  /** Reads the thread (`thread/read`); `includeTurns: true` adds its turns and items. */
  read(options: ThreadReadOptions = {}): Promise<ThreadReadResponse> {
    return this.#context.client.request("thread/read", { ...options, threadId: this.id });
  }

  /** Renames the thread (`thread/name/set`). */
  async setName(name: string): Promise<void> {
    await this.#context.client.request("thread/name/set", { threadId: this.id, name });
  }

  /** Starts compacting the thread's context (`thread/compact/start`); progress arrives as notifications. */
  async compact(): Promise<void> {
    await this.#context.client.request("thread/compact/start", { threadId: this.id });
  }

  /**
   * Stops this connection's subscription to the thread (`thread/unsubscribe`): its events no
   * longer arrive here. A turn of this client still running on it ends for its handle with
   * `TurnLostError` (the server goes on with it). Resolves with the server's status
   * (`unsubscribed`, `notSubscribed` or `notLoaded`); `codex.threadResume(id)` subscribes again.
   */
  async unsubscribe(): Promise<ThreadUnsubscribeStatus> {
    const { client, router } = this.#context;
    const response = await client.request("thread/unsubscribe", { threadId: this.id });
    router.lose(this.id, "the thread was unsubscribed (thread/unsubscribe)");
    this.#context.loadedThreads?.delete(this.id);
    return response.status;
  }

  /**
   * Runs one turn to completion and returns its `TurnResult`. A failed or interrupted turn is
   * returned, not thrown: check `status` and `error`.
   */
  async run(input: RunInput, options: TurnOptions = {}): Promise<TurnResult> {
    const turn = await this.turn(input, options);
    return turn.run();
  }

  /**
   * Starts a turn (`turn/start`) and returns its `TurnHandle` for streaming, steering and
   * interrupting. The turn's events are captured from before the request is written, so none is
   * lost even when it arrives ahead of the response.
   *
   * While a turn this client started on the thread is still running, the call waits for it to
   * end first (`signal` cancels the wait with `AbortError`; nothing was sent), so each handle is
   * its own turn. `turn/start` has no timeout (`requestTimeoutMs` does not apply): the turn
   * exists once the request is written, and a reply given up on would leave it running unseen.
   * A lost reply is recovered from the thread's `turn/started`.
   */
  async turn(input: RunInput, options: TurnOptions = {}): Promise<TurnHandle> {
    const { signal, record, ...params } = options;
    if (signal?.aborted) throw abortErrorFrom(signal, "Starting the turn");
    // A turn that answers a tool call carries its output in `toolOutput`, and the server then
    // requires the input to be empty.
    const answersToolCall = "toolOutput" in params && params.toolOutput != null;
    const userInput = answersToolCall && Array.isArray(input) && input.length === 0 ? [] : await toUserInput(input);
    if (signal?.aborted) throw abortErrorFrom(signal, "Starting the turn");
    const { client, router } = this.#context;
    const reservation = await router.reserve(this.id, signal);
    let turn: Turn;
    try {
      turn = await this.#start(reservation, { ...params, threadId: this.id, input: userInput });
    } catch (error) {
      reservation.release();
      throw error;
    }
    const handle = new TurnHandle({
      client,
      threadId: this.id,
      turn,
      signal,
      record,
      steered: reservation.joined(turn.id),
      attach: (sink) => reservation.claim(sink),
    });
    if (signal?.aborted) {
      // Aborted while turn/start was in flight: the handle has interrupted the turn (unless it
      // had already completed); surface the outcome here, since the caller never gets the handle.
      await handle.run();
    }
    return handle;
  }

  /**
   * Sends `turn/start` and resolves with the turn it began: from the reply, or from the
   * thread's `turn/started` when that comes first (a reply can be lost).
   */
  #start(reservation: TurnReservation, params: TurnStartParams): Promise<Turn> {
    const { client } = this.#context;
    // No caller signal on the request itself: once written, the turn exists on the server, and
    // only its id lets us interrupt it. This controller only stops waiting for a reply that no
    // longer matters (the turn was recovered from turn/started), freeing its request slot.
    const unneeded = new AbortController();
    return new Promise<Turn>((resolve, reject) => {
      let settled = false;
      client.request("turn/start", params, { timeoutMs: Number.POSITIVE_INFINITY, signal: unneeded.signal }).then(
        (response) => {
          settled = true;
          resolve(response.turn);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          reject(error);
        },
      );
      reservation.started.then(
        (turn) => {
          if (settled) return;
          settled = true;
          resolve(turn);
          unneeded.abort(new AbortError("The turn was recovered from turn/started."));
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          reject(error);
        },
      );
    });
  }
}
