// The summary of a finished turn, computed from the turn's own notifications.
import type { ThreadItem, ThreadTokenUsage, Turn, TurnError, TurnStatus } from "@codex/protocol-types/experimental";
import type { Notification } from "../notification.js";

/**
 * How a finished turn ended: `TurnStatus` without `"inProgress"`, so a `switch` over it is
 * exhaustive with three cases.
 */
export type TerminalTurnStatus = Exclude<TurnStatus, "inProgress">;

/**
 * What a finished turn produced. A failed or interrupted turn is a `TurnResult` too: check
 * `status` and `error`. `Output` is the type of `output`, set by the turn's `outputSchema`:
 * `status === "completed"` narrows `output` to it.
 */
export type TurnResult<Output = unknown> = TurnSummary &
  (
    | {
        status: "completed";
        /**
         * The final answer parsed as JSON and validated by the turn's `outputSchema` (typed from
         * it); `null` when the turn had no `outputSchema`. A completed answer that does not
         * validate makes `run()` reject with `OutputValidationError` instead.
         */
        output: Output;
      }
    | {
        status: Exclude<TerminalTurnStatus, "completed">;
        /** `null`: only a completed turn's answer is parsed. */
        output: null;
      }
  );

/** The fields of every `TurnResult`, whatever its status and output. */
export interface TurnSummary {
  /** The thread the turn ran on. */
  threadId: string;
  /** The turn's id. */
  id: string;
  /** `completed`, `interrupted` or `failed` (from `turn/completed`). */
  status: TerminalTurnStatus;
  /** Why the turn failed or was interrupted, when the server says; `null` otherwise. */
  error: TurnError | null;
  /**
   * Every `item/agentMessage/delta` of the turn, joined in arrival order. After an interrupt it
   * holds the partial text of the cut-off message, which has no `item/completed` and so is in
   * neither `items` nor `finalResponse`.
   */
  text: string;
  /**
   * The text of the last agent message whose `phase` is `final_answer` or absent (models that do
   * not report phases); `null` when the turn produced none.
   */
  finalResponse: string | null;
  /** Every item of the turn, from `item/completed`, in arrival order. */
  items: ThreadItem[];
  /** The last `thread/tokenUsage/updated` of the turn; `null` when none arrived. */
  usage: ThreadTokenUsage | null;
  /** Unix time in seconds when the turn started, as reported by the server. */
  startedAt: Turn["startedAt"];
  /** Unix time in seconds when the turn completed, as reported by the server. */
  completedAt: Turn["completedAt"];
  /** How long the turn took, in milliseconds, as reported by the server. */
  durationMs: Turn["durationMs"];
}

/** Deltas joined into one string at a time by {@link TurnResultBuilder}. */
const TEXT_RUN = 256;

/**
 * Builds a `TurnResult` from a turn's notifications as they arrive, keeping only what the
 * result needs (not the notifications): a turn that records nothing still gets its result.
 */
export class TurnResultBuilder {
  /** The text so far, as joined runs of {@link TEXT_RUN} deltas (one string each) ... */
  readonly #text: string[] = [];
  /** ... and the deltas after the last run, not joined yet. */
  #pieces: string[] = [];
  readonly #items: ThreadItem[] = [];
  #usage: ThreadTokenUsage | null = null;
  #finalResponse: string | null = null;

  /** Takes one notification of the turn, in arrival order. */
  add(event: Notification): void {
    switch (event.method) {
      case "item/agentMessage/delta":
        // Joining runs keeps one string per TEXT_RUN deltas alive instead of every delta: a long
        // turn's text then costs the garbage collector little.
        if (this.#pieces.push(event.params.delta) === TEXT_RUN) {
          this.#text.push(this.#pieces.join(""));
          this.#pieces = [];
        }
        break;
      case "item/completed": {
        const item = event.params.item;
        this.#items.push(item);
        if (item.type === "agentMessage" && (item.phase == null || item.phase === "final_answer")) {
          this.#finalResponse = item.text;
        }
        break;
      }
      case "thread/tokenUsage/updated":
        this.#usage = event.params.tokenUsage;
        break;
      default:
        break;
    }
  }

  /**
   * The result, once `turn` (the `turn/completed` payload) has arrived. Its `output` is `null`:
   * the turn's output schema, if any, fills it in afterwards.
   */
  build(threadId: string, turn: Turn): TurnResult<null> {
    // `turn/completed` ends the turn whatever it says; a completion still marked in progress is
    // reported as a failure that says so, rather than leaking a status a finished turn cannot have.
    const unfinished = turn.status === "inProgress";
    return {
      threadId,
      id: turn.id,
      status: turn.status === "inProgress" ? "failed" : turn.status,
      error: unfinished
        ? { message: "The server ended the turn (turn/completed) with status inProgress." }
        : (turn.error ?? null),
      text: this.#text.join("") + this.#pieces.join(""),
      finalResponse: this.#finalResponse,
      items: [...this.#items],
      usage: this.#usage,
      startedAt: turn.startedAt ?? null,
      completedAt: turn.completedAt ?? null,
      durationMs: turn.durationMs ?? null,
      output: null,
    };
  }
}

/**
 * Builds a `TurnResult` from the notifications routed to one turn, in order. `completed` is the
 * turn's `turn/completed` payload.
 */
export function buildTurnResult(threadId: string, turn: Turn, events: readonly Notification[]): TurnResult<null> {
  const builder = new TurnResultBuilder();
  for (const event of events) builder.add(event);
  return builder.build(threadId, turn);
}
