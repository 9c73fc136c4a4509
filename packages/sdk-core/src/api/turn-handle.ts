// A running (or finished) turn: its own notifications, replayable, and the controls that act on it.
import type { Turn } from "@codex/protocol-types/experimental";
import { AbortError, CodexError, JsonRpcError } from "../errors.js";
import type { AppServerClient } from "../rpc/client.js";
import type { Notification } from "../notification.js";
import { toUserInput, type RunInput } from "./inputs.js";
import { buildTurnResult, type TurnResult } from "./turn-result.js";
import type { TurnSink } from "./turn-router.js";

/** How often `interrupt()` retries "no active turn" while the turn has not started yet, and how long it waits in between at most. */
const INTERRUPT_ATTEMPTS = 50;
const INTERRUPT_RETRY_MS = 20;

/** The server's answer to `turn/interrupt` for a turn that is not (or not yet) active. */
function isNoActiveTurn(error: unknown): boolean {
  return JsonRpcError.isInstance(error) && /no active turn/i.test(error.serverMessage);
}

/** Options of `TurnHandle.steer()`. */
export interface SteerOptions {
  /** Cancels waiting for the `turn/steer` reply (the steer may still have reached the server). */
  signal?: AbortSignal | undefined;
}

/** @internal What a `TurnHandle` is made from. */
export interface TurnHandleInit<Output = unknown> {
  client: AppServerClient;
  threadId: string;
  turn: Turn;
  signal?: AbortSignal | undefined;
  /** Connects the handle's sink to the router (claims the turn's reservation). */
  attach(sink: TurnSink): void;
  /** Fills in `output` from the turn's `outputSchema` (rejects with `OutputValidationError`); none: `output` stays `null`. */
  decodeOutput?: ((result: TurnResult<null>) => Promise<TurnResult<Output>>) | undefined;
}

/**
 * One turn of a thread. Its notifications are recorded from the turn's very first event, so
 * `stream()` can be called any number of times (each call replays from the start) and `run()`
 * works before, during or after streaming. The record lives as long as the handle.
 */
export class TurnHandle<Output = unknown> {
  /** The turn's id. */
  readonly id: string;
  /** The id of the thread the turn runs on. */
  readonly threadId: string;

  readonly #client: AppServerClient;
  readonly #events: Notification[] = [];
  #completed: Turn | undefined;
  #failure: Error | undefined;
  #abort: { error: AbortError; interrupted: Promise<void> } | undefined;
  #waiters: (() => void)[] = [];
  /** Called once when `turn/completed` arrives: stops `turn/interrupt` requests still waiting. */
  readonly #onCompleted = new Set<() => void>();
  #result: Promise<TurnResult<Output>> | undefined;
  readonly #decodeOutput: TurnHandleInit<Output>["decodeOutput"];
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#aborted();

  /** @internal Created by `Thread.turn()`; not meant to be constructed directly. */
  constructor(init: TurnHandleInit<Output>) {
    this.#client = init.client;
    this.#decodeOutput = init.decodeOutput;
    this.threadId = init.threadId;
    this.id = init.turn.id;
    this.#signal = init.signal;
    init.attach({
      threadId: this.threadId,
      id: this.id,
      accept: (notification) => this.#accept(notification),
      fail: (error) => this.#fail(error),
    });
    if (init.signal && !this.#completed) {
      if (init.signal.aborted) this.#aborted();
      else init.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** True once the turn's `turn/completed` has arrived. */
  get completed(): boolean {
    return this.#completed !== undefined;
  }

  /**
   * This turn's notifications, in arrival order, ending after its `turn/completed` (inclusive).
   * Every call replays from the turn's first event. Throws `TransportClosedError` if the
   * connection ends first, and `AbortError` (after yielding what was recorded) if the turn's
   * signal aborted it.
   */
  async *stream(): AsyncGenerator<Notification, void, undefined> {
    let index = 0;
    for (;;) {
      if (index < this.#events.length) {
        const event = this.#events[index++]!;
        yield event;
        if (event.method === "turn/completed") {
          if (this.#abort) {
            await this.#abort.interrupted;
            throw this.#abort.error;
          }
          return;
        }
        continue;
      }
      if (this.#abort) {
        await this.#abort.interrupted;
        // The interrupt's own events may have arrived while it was answered: yield them first.
        if (index < this.#events.length) continue;
        throw this.#abort.error;
      }
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /**
   * Waits for the turn to finish and returns its `TurnResult`. A failed or interrupted turn
   * resolves too (check `status` and `error`); only a lost connection (`TransportClosedError`),
   * the turn's own signal (`AbortError`) or, with an `outputSchema`, a completed answer that does
   * not validate (`OutputValidationError`) reject.
   */
  async run(): Promise<TurnResult<Output>> {
    while (this.#completed === undefined && this.#failure === undefined && this.#abort === undefined) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#abort) {
      await this.#abort.interrupted;
      throw this.#abort.error;
    }
    if (this.#completed === undefined) throw this.#failure!;
    if (this.#result === undefined) {
      const result = buildTurnResult(this.threadId, this.#completed, this.#events);
      this.#result = this.#decodeOutput ? this.#decodeOutput(result) : Promise.resolve(result as TurnResult<Output>);
    }
    return this.#result;
  }

  /** Adds input to the running turn (`turn/steer` with this turn as `expectedTurnId`). */
  async steer(input: RunInput, options: SteerOptions = {}): Promise<void> {
    const userInput = await toUserInput(input);
    await this.#client.request(
      "turn/steer",
      { threadId: this.threadId, input: userInput, expectedTurnId: this.id },
      options.signal ? { signal: options.signal } : undefined,
    );
  }

  /**
   * Asks the server to interrupt the turn (`turn/interrupt`). The turn then completes with
   * `status: "interrupted"`. Does nothing if the turn has already completed.
   */
  async interrupt(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.#completed) return;
      // Once the turn has completed, the reply no longer matters: stop waiting for it. An
      // overloaded server may drop it, and waiting would hang this call (and an aborted turn's
      // run()) forever and keep a request slot (maxInFlight) taken for good.
      const completed = new AbortController();
      const stop = (): void => completed.abort();
      this.#onCompleted.add(stop);
      try {
        await this.#client.request("turn/interrupt", { threadId: this.threadId, turnId: this.id }, { signal: completed.signal });
        return;
      } catch (error) {
        // The turn may finish on its own while the request is in flight ("no active turn").
        if (this.#completed) return;
        // Between the turn/start reply and the turn becoming active (`turn/started`), the server
        // also answers "no active turn to interrupt" — and then runs the turn anyway. Without a
        // retry, an abort that lands in that window leaves the turn running. Retry when the turn
        // next shows signs of life (or shortly), a bounded number of times.
        if (attempt >= INTERRUPT_ATTEMPTS || !isNoActiveTurn(error)) throw error;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, INTERRUPT_RETRY_MS);
          this.#waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      } finally {
        this.#onCompleted.delete(stop);
      }
    }
  }

  /** Router callback: one notification of this turn. */
  #accept(notification: Notification): boolean {
    if (this.#completed) return true;
    this.#events.push(notification);
    if (notification.method === "turn/completed") {
      this.#completed = notification.params.turn;
      this.#signal?.removeEventListener("abort", this.#onAbort);
      for (const stop of [...this.#onCompleted]) stop();
    }
    this.#wake();
    return this.#completed !== undefined;
  }

  /** Router callback: the connection ended before the turn did. */
  #fail(error: Error): void {
    if (this.#completed || this.#failure) return;
    this.#failure = error;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake();
  }

  #aborted(): void {
    if (this.#completed || this.#abort || this.#failure) return;
    const error = new AbortError(`Turn ${this.id} was aborted; it was interrupted on the server.`, {
      cause: this.#signal?.reason,
    });
    const interrupted = this.interrupt().catch((cause: unknown) => {
      // The interrupt could not be delivered (for example, the connection closed): the abort
      // still stands, and a closed connection has stopped the turn anyway.
      if (!CodexError.isInstance(cause)) throw cause;
    });
    this.#abort = { error, interrupted };
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
