// Goals (experimental API): `thread/goal/set` gives a thread an objective, and the server then
// runs turns on its own, one after another, until the goal is no longer active — the model marks
// it `complete` (its `update_goal` tool), a token budget runs out (`budgetLimited`), a turn fails
// (`blocked`), or someone pauses or clears it. A `GoalHandle` follows those turns as one run.
import type {
  ThreadGoal,
  ThreadGoalSetParams,
  ThreadGoalStatus,
  ThreadTokenUsage,
  Turn,
} from "@codex/protocol-types/experimental";
import { AbortError, CodexError } from "../errors.js";
import type { Notification, ThreadNotification } from "../notification.js";
import type { AppServerClient } from "../rpc/client.js";
import { threadIdOf } from "./thread-events.js";
import { buildTurnResult, type TurnResult } from "./turn-result.js";
import { notificationTurnId, type TurnRouter } from "./turn-router.js";

/**
 * Options of `thread.startGoal()` / `thread.runGoal()`: the `thread/goal/set` fields besides the
 * objective, plus a `signal`.
 */
export type GoalOptions = Omit<ThreadGoalSetParams, "threadId" | "objective" | "status"> & {
  /**
   * Aborting pauses the goal on the server (`thread/goal/set` with `status: "paused"`),
   * interrupts the goal's running turn, and then rejects `run()` / `stream()` with `AbortError`.
   */
  signal?: AbortSignal | undefined;
};

/** How a goal's run ended: its final goal status, or `"cleared"` when the goal was removed. */
export type GoalEndStatus = Exclude<ThreadGoalStatus, "active"> | "cleared";

/** What a goal's run produced: its turns, as one result. */
export interface GoalResult {
  /** The thread the goal ran on. */
  threadId: string;
  /** Why the run ended: `complete`, `budgetLimited`, `usageLimited`, `blocked`, `paused`, or `cleared`. */
  status: GoalEndStatus;
  /**
   * The goal as the server last reported it (objective, `tokensUsed`, `timeUsedSeconds`, budget);
   * null once cleared.
   */
  goal: ThreadGoal | null;
  /** Every turn the thread ran while the goal was active, in order. */
  turns: TurnResult<null>[];
  /** The agent-message text of every turn, joined with a blank line between turns. */
  text: string;
  /** The last turn's final answer, or null. */
  finalResponse: string | null;
  /** The thread's last token usage during the goal (its `total` counts the whole thread); null if none arrived. */
  usage: ThreadTokenUsage | null;
}

/** @internal What a `GoalHandle` is made from. */
export interface GoalHandleInit {
  client: AppServerClient;
  threadId: string;
  signal?: AbortSignal | undefined;
  /** The connection's router: a reconnect fails the goal, whose end may have passed unseen. */
  router?: TurnRouter | undefined;
}

/**
 * A goal being pursued on a thread. It records every notification of the thread from the moment
 * the goal was set until the run ends (after the `turn/completed` of the turn during which the
 * goal stopped being active, inclusive), so `stream()` replays from the start on every call and
 * `run()` works before, during or after streaming. The record lives as long as the handle.
 */
export class GoalHandle {
  /** The thread the goal runs on. */
  readonly threadId: string;
  readonly #client: AppServerClient;
  readonly #events: Notification[] = [];
  readonly #turns = new Map<string, { turn: Turn | undefined; events: Notification[] }>();
  readonly #subscription: { dispose(): void };
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#aborted();
  #goal: ThreadGoal | null = null;
  #status: ThreadGoalStatus | "cleared" = "active";
  #runningTurn: string | undefined;
  #usage: ThreadTokenUsage | null = null;
  #end: GoalEndStatus | undefined;
  #failure: Error | undefined;
  #abort: { error: AbortError; stopped: Promise<void> } | undefined;
  #waiters: (() => void)[] = [];
  #result: GoalResult | undefined;
  /** True once the `thread/goal/set` reply arrived: goal updates before it may be an earlier goal's. */
  #started = false;

  /** @internal Created by `thread.startGoal()`, which calls `start()`. */
  constructor(init: GoalHandleInit) {
    this.threadId = init.threadId;
    this.#client = init.client;
    this.#signal = init.signal;
    // Subscribed before `thread/goal/set` is written: its first turn may start before the reply.
    const notifications = init.client.onNotification("*", (notification) => {
      if (threadIdOf(notification) === this.threadId) this.#accept(notification);
    });
    // The goal's events during an outage are lost: its end could never be seen.
    const stopWatchingInterrupts = init.router?.onInterrupt((error) => this.#fail(error));
    this.#subscription = {
      dispose: () => {
        notifications.dispose();
        stopWatchingInterrupts?.();
      },
    };
    void init.client.closed.then((error) => this.#fail(error));
  }

  /** @internal Sends `thread/goal/set` and starts following the goal. */
  async start(objective: string, params: Omit<GoalOptions, "signal">): Promise<this> {
    try {
      const response = await this.#client.request("thread/goal/set", {
        ...params,
        threadId: this.threadId,
        objective,
        status: "active",
      });
      this.#setStatus(response.goal.status, response.goal);
      this.#started = true;
      this.#checkEnd();
      this.#wake();
    } catch (error) {
      this.#subscription.dispose();
      throw error;
    }
    if (this.#signal) {
      if (this.#signal.aborted) this.#aborted();
      else if (this.#end === undefined) this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    return this;
  }

  /** The goal as last reported by the server (null once cleared). */
  get goal(): ThreadGoal | null {
    return this.#goal;
  }

  /** True once the goal's run has ended. */
  get completed(): boolean {
    return this.#end !== undefined;
  }

  /**
   * Every notification of the thread during the goal, in arrival order: each automatic turn's
   * events, `thread/goal/updated`, status changes. Ends after the run's last event. Every call
   * replays from the start. Throws `TransportClosedError` if the connection ends (or, with
   * `reconnect`, is interrupted) first, and
   * `AbortError` (after yielding what was recorded) if the goal's signal aborted it.
   */
  async *stream(): AsyncGenerator<ThreadNotification, void, undefined> {
    let index = 0;
    for (;;) {
      if (index < this.#events.length) {
        // Only notifications naming this thread are recorded (see the subscription).
        yield this.#events[index++]! as ThreadNotification;
        continue;
      }
      if (this.#end !== undefined) {
        if (this.#abort) throw this.#abort.error;
        return;
      }
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Waits for the goal's run to end and returns its `GoalResult`. Rejects with
   * `TransportClosedError` or `AbortError`.
   */
  async run(): Promise<GoalResult> {
    while (this.#end === undefined && this.#failure === undefined) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#end === undefined) throw this.#failure!;
    if (this.#abort) {
      await this.#abort.stopped;
      throw this.#abort.error;
    }
    this.#result ??= this.#buildResult(this.#end);
    return this.#result;
  }

  #accept(notification: Notification): void {
    if (this.#end !== undefined) return;
    this.#events.push(notification);
    const turnId = notificationTurnId(notification);
    switch (notification.method) {
      case "turn/started":
        this.#runningTurn = notification.params.turn.id;
        this.#turns.set(notification.params.turn.id, { turn: undefined, events: [notification] });
        break;
      case "turn/completed": {
        const entry = this.#turns.get(notification.params.turn.id);
        if (entry) {
          entry.events.push(notification);
          entry.turn = notification.params.turn;
        }
        if (this.#runningTurn === notification.params.turn.id) this.#runningTurn = undefined;
        break;
      }
      case "thread/goal/updated":
        this.#setStatus(notification.params.goal.status, notification.params.goal);
        break;
      case "thread/goal/cleared":
        this.#setStatus("cleared", null);
        break;
      case "thread/tokenUsage/updated":
        this.#usage = notification.params.tokenUsage;
        break;
      default:
        break;
    }
    if (turnId !== undefined && notification.method !== "turn/started" && notification.method !== "turn/completed") {
      this.#turns.get(turnId)?.events.push(notification);
    }
    this.#checkEnd();
    this.#wake();
  }

  #setStatus(status: ThreadGoalStatus | "cleared", goal: ThreadGoal | null): void {
    this.#status = status;
    this.#goal = goal;
  }

  /** The run ends once the goal is no longer active and no turn of it is still running. */
  #checkEnd(): void {
    if (!this.#started || this.#end !== undefined || this.#status === "active" || this.#runningTurn !== undefined)
      return;
    this.#end = this.#status;
    this.#subscription.dispose();
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }

  #fail(error: Error): void {
    if (this.#end !== undefined || this.#failure !== undefined) return;
    this.#failure = error;
    this.#subscription.dispose();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake();
  }

  #aborted(): void {
    if (this.#end !== undefined || this.#abort || this.#failure) return;
    const error = new AbortError(
      `The goal on thread ${this.threadId} was aborted; it was paused and its running turn interrupted.`,
      {
        cause: this.#signal?.reason,
      },
    );
    const stopped = (async () => {
      await this.#client.request("thread/goal/set", { threadId: this.threadId, status: "paused" });
      const running = this.#runningTurn;
      if (running !== undefined) {
        await this.#client
          .request("turn/interrupt", { threadId: this.threadId, turnId: running })
          .catch((cause: unknown) => {
            // The turn may have ended on its own meanwhile ("no active turn").
            if (!CodexError.isInstance(cause)) throw cause;
          });
      }
    })().catch((cause: unknown) => {
      // The goal could not be paused (a closed connection has stopped its turns anyway): the
      // run ends with that error rather than waiting for an end that may never come.
      if (!CodexError.isInstance(cause)) throw cause;
      this.#fail(cause);
    });
    this.#abort = { error, stopped };
    this.#wake();
  }

  #buildResult(status: GoalEndStatus): GoalResult {
    const turns: TurnResult<null>[] = [];
    for (const entry of this.#turns.values()) {
      if (entry.turn !== undefined) turns.push(buildTurnResult(this.threadId, entry.turn, entry.events));
    }
    return {
      threadId: this.threadId,
      status,
      goal: this.#goal,
      turns,
      text: turns
        .map((turn) => turn.text)
        .filter((text) => text !== "")
        .join("\n\n"),
      finalResponse: turns.at(-1)?.finalResponse ?? null,
      usage: this.#usage,
    };
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
