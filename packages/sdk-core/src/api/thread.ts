// A local handle on one conversation: its id, plus the thread- and turn-level requests.
import type {
  ReviewTarget,
  ThreadReadParams,
  ThreadReadResponse,
  ThreadTokenUsage,
  ThreadUnsubscribeStatus,
  Turn,
  TurnStartParams,
} from "@codex/protocol-types/experimental";
import type { ThreadNotification } from "../notification.js";
import { AbortError, abortErrorFrom } from "../errors.js";
import type { AppServerClient, ServerRequestHandlers } from "../rpc/client.js";
import type { CodexServerRequestScope } from "./server-request-context.js";
import { toUserInput, type RunInput } from "./inputs.js";
import { prepareOutputSchema, type OutputOf, type OutputSchema } from "./structured-output.js";
import { openTurnHandle, type TurnHandle, type TurnHandleInit } from "./turn-handle.js";
import type { TurnResult } from "./turn-result.js";
import { GoalHandle, type GoalOptions, type GoalResult } from "./goal.js";
import { startCompaction, startReview, type ReviewOptions } from "./server-started-turns.js";
import { ThreadEventIterator, type ThreadEventsOptions } from "./thread-events.js";
import type { ThreadInfo, ThreadUsageStore } from "./thread-state.js";
import type { TurnReservation, TurnRouter } from "./turn-router.js";

/**
 * Options of `thread.turn()` and `thread.run()`: every `turn/start` field except `threadId` and
 * `input` (model, effort, cwd, approvalPolicy, sandboxPolicy, personality, serviceTier, summary,
 * ...), a typed `outputSchema`, plus a `signal`.
 */
export type TurnOptions<Schema extends OutputSchema | undefined = OutputSchema | undefined> = Omit<
  TurnStartParams,
  "threadId" | "input" | "outputSchema"
> & {
  /**
   * The shape of the final answer: a plain JSON Schema object (then `result.output` is the parsed
   * JSON, typed `unknown`), or a schema object implementing Standard Schema and Standard JSON
   * Schema (zod >= 4.2, arktype, valibot through `toStandardJsonSchema`; then `output` is
   * validated and typed from it). The JSON Schema is sent as `turn/start.outputSchema`; a
   * completed answer that does not validate makes `run()` reject with `OutputValidationError`.
   */
  outputSchema?: Schema;
  /**
   * Handlers of this turn's server requests (approvals, questions): same shape as
   * `CodexOptions.serverRequests`, asked first; a method they lack goes to the connection-wide
   * handlers. They are dropped when the turn completes.
   */
  serverRequests?: ServerRequestHandlers | undefined;
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
  usage: ThreadUsageStore;
  serverRequests: CodexServerRequestScope;
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
  #info: ThreadInfo | undefined;

  /** @internal Use `codex.thread(id)` or `codex.threadStart()`. */
  constructor(context: ThreadContext, id: string, info?: ThreadInfo) {
    this.#context = context;
    this.id = id;
    this.#info = info;
  }

  /**
   * The server's last reply about this thread through this handle: the `thread/start`,
   * `thread/resume` or `thread/fork` reply it was made from (the thread plus `model`, `cwd`,
   * `approvalPolicy`, `sandbox`, ...), replaced by each `read()` (the thread alone).
   * `undefined` for a handle from `codex.thread(id)` until its first `read()`.
   */
  get info(): ThreadInfo | undefined {
    return this.#info;
  }

  /**
   * The last token usage the server reported for this thread on this connection (from
   * `thread/tokenUsage/updated`, whichever turn or client caused it), or null. After
   * `codex.threadResume()` the server sends the thread's last usage again, just after the
   * resume reply.
   */
  get lastUsage(): ThreadTokenUsage | null {
    return this.#context.usage.get(this.id);
  }

  /** Reads the thread (`thread/read`); `includeTurns: true` adds its turns and items. The reply becomes `info`. */
  async read(options: ThreadReadOptions = {}): Promise<ThreadReadResponse> {
    const response = await this.#context.client.request("thread/read", { ...options, threadId: this.id });
    this.#info = response;
    return response;
  }

  /** Renames the thread (`thread/name/set`). */
  async setName(name: string): Promise<void> {
    await this.#context.client.request("thread/name/set", { threadId: this.id, name });
  }

  /**
   * Compacts the thread's context (`thread/compact/start`). The compaction runs as a turn of the
   * thread: the returned handle streams it (a `contextCompaction` item) and `run()` waits for it.
   * Like `turn()`, it first waits for this client's running turn on the thread to end (a
   * compaction started during a turn interrupts that turn).
   */
  compact(): Promise<TurnHandle<null>> {
    return startCompaction(this.#context, this.id);
  }

  /**
   * Starts a code review on this thread (`review/start`, delivered inline) and returns its turn:
   * `target` is `{ type: "uncommittedChanges" }`, `{ type: "baseBranch", branch }`,
   * `{ type: "commit", sha }` or `{ type: "custom", instructions }`. The review's text is the
   * turn's `finalResponse`. Like `turn()`, it first waits for this client's running turn on the
   * thread to end; `options.signal` cancels that wait, or interrupts the review once started.
   */
  review(target: ReviewTarget, options: ReviewOptions = {}): Promise<TurnHandle<null>> {
    return startReview(this.#context, this.id, target, options);
  }

  /**
   * Gives the thread a goal (`thread/goal/set`, experimental API) and returns its `GoalHandle`.
   * The server then runs turns on its own until the goal is no longer active: the model marks
   * it complete, its `tokenBudget` runs out, a turn fails (`blocked`), or it is paused or
   * cleared. `goal.stream()` yields those turns' events as one run; `goal.run()` waits for the end.
   */
  async startGoal(objective: string, options: GoalOptions = {}): Promise<GoalHandle> {
    const { signal, ...params } = options;
    if (signal?.aborted) throw abortErrorFrom(signal, "Starting the goal");
    return new GoalHandle({
      client: this.#context.client,
      router: this.#context.router,
      threadId: this.id,
      signal,
    }).start(objective, params);
  }

  /** `startGoal()` and then `run()`: pursues the goal to its end and returns the `GoalResult`. */
  async runGoal(objective: string, options: GoalOptions = {}): Promise<GoalResult> {
    const goal = await this.startGoal(objective, options);
    return goal.run();
  }

  /**
   * Every notification of this thread from now on, in arrival order: every turn's (whichever
   * client started it), and the thread's own (`thread/status/changed`, `thread/name/updated`,
   * `thread/tokenUsage/updated`, `thread/goal/updated`, ...). Subscribes at the call. Ends when
   * the `Codex` is closed; throws `TransportClosedError` if the connection ends by itself and
   * `AbortError` when `signal` aborts. Breaking out of the loop unsubscribes. Another client's
   * turns are seen when both clients share one app-server and this one has the thread loaded
   * (`threadStart` / `threadResume`).
   */
  events(options: ThreadEventsOptions = {}): AsyncIterableIterator<ThreadNotification> {
    return new ThreadEventIterator(this.#context.client, this.id, options);
  }

  /**
   * Stops this connection's subscription to the thread (`thread/unsubscribe`): its events no
   * longer arrive here. A turn of this client still running on it ends for its handle with
   * `TurnLostError` (the server goes on with it), also when the request times out or is aborted
   * (the server may have carried it out). Resolves with the server's status
   * (`unsubscribed`, `notSubscribed` or `notLoaded`); `codex.threadResume(id)` subscribes again.
   */
  async unsubscribe(): Promise<ThreadUnsubscribeStatus> {
    // Its turns end (TurnLostError) as the request settles: `Codex` follows every thread/unsubscribe.
    const response = await this.#context.client.request("thread/unsubscribe", { threadId: this.id });
    return response.status;
  }

  /**
   * Runs one turn to completion and returns its `TurnResult`. A failed or interrupted turn is
   * returned, not thrown: check `status` and `error`.
   */
  async run<const Schema extends OutputSchema | undefined = undefined>(
    input: RunInput,
    options: TurnOptions<Schema> = {},
  ): Promise<TurnResult<OutputOf<Schema>>> {
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
  async turn<const Schema extends OutputSchema | undefined = undefined>(
    input: RunInput,
    options: TurnOptions<Schema> = {},
  ): Promise<TurnHandle<OutputOf<Schema>>> {
    const { signal, record, outputSchema, serverRequests, ...params } = options;
    if (signal?.aborted) throw abortErrorFrom(signal, "Starting the turn");
    const output = prepareOutputSchema(outputSchema);
    // A turn that answers a tool call carries its output in `toolOutput`, and the server then
    // requires the input to be empty.
    const answersToolCall = "toolOutput" in params && params.toolOutput != null;
    const userInput = answersToolCall && Array.isArray(input) && input.length === 0 ? [] : await toUserInput(input);
    if (signal?.aborted) throw abortErrorFrom(signal, "Starting the turn");
    const { client, router } = this.#context;
    const reservation = await router.reserve(this.id, signal);
    const turnServerRequests =
      serverRequests === undefined ? undefined : this.#context.serverRequests.reserve(this.id, serverRequests);
    let turn: Turn;
    try {
      turn = await this.#start(reservation, {
        ...params,
        ...(output ? { outputSchema: output.jsonSchema } : {}),
        threadId: this.id,
        input: userInput,
      });
    } catch (error) {
      reservation.release();
      turnServerRequests?.release();
      throw error;
    }
    turnServerRequests?.bind(turn.id);
    // A thread this client runs turns on is resumed after a reconnect.
    this.#context.loadedThreads?.add(this.id);
    const handle = openTurnHandle<OutputOf<Schema>>(reservation, {
      client,
      threadId: this.id,
      turn,
      signal,
      record,
      steered: reservation.joined(turn.id),
      decodeOutput: output?.decode as TurnHandleInit<OutputOf<Schema>>["decodeOutput"],
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
