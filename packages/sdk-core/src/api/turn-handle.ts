// A running (or finished) turn: its own notifications, replayable, and the controls that act on it.
import type { Turn } from "@codex/protocol-types/experimental";
import { AbortError, InterruptFailedError, InvalidInputError, JsonRpcError, TransportClosedError } from "../errors.js";
import type { AppServerClient } from "../rpc/client.js";
import { isRetryableError } from "../rpc/retry.js";
import type { Notification, TurnNotification } from "../notification.js";
import { toUserInput, type RunInput } from "./inputs.js";
import { TurnResultBuilder, type TurnResult } from "./turn-result.js";
import type { TurnReservation } from "./turn-router.js";

/**
 * How often `interrupt()` retries "no active turn" while the turn has not started yet, and how long
 * it waits in between at most.
 */
const INTERRUPT_ATTEMPTS = 50;
const INTERRUPT_RETRY_MS = 20;
/**
 * How often `interrupt()` sends `turn/interrupt` to an overloaded server (-32001), and its first
 * backoff (doubling).
 */
const INTERRUPT_BUSY_ATTEMPTS = 6;
const INTERRUPT_BUSY_DELAY_MS = 100;
/**
 * After the server accepted an abort's interrupt, how long run() waits for the turn's
 * `turn/completed` (it follows within milliseconds).
 */
const INTERRUPTED_GRACE_MS = 10_000;
/** Recorded-less streams drop what they have yielded once this many events are behind them. */
const QUEUE_COMPACT_AT = 1024;

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
  /** Keep every event for replay (default true). */
  record?: boolean | undefined;
  /** The server added this input to a turn another client had started. */
  steered?: boolean | undefined;
  /**
   * Fills in `output` from the turn's `outputSchema` (rejects with `OutputValidationError`); none:
   * `output` stays `null`.
   */
  decodeOutput?: ((result: TurnResult<null>) => Promise<TurnResult<Output>>) | undefined;
}

/** Set by `TurnHandle`'s static block: lets `openTurnHandle` reach the handle's private `#attach`. */
let attachHandle: (handle: TurnHandle<never>, reservation: TurnReservation) => void;

/** What `TurnHandle`'s `#step` returns instead of an event. */
const STREAM_END = 0;
const STREAM_WAIT = 1;
const STREAM_ABORTED = 2;
const STREAM_ABORTED_COMPLETED = 3;
type StreamStop = typeof STREAM_END | typeof STREAM_WAIT | typeof STREAM_ABORTED | typeof STREAM_ABORTED_COMPLETED;

/** Set by `TurnHandle`'s static block: what a `TurnStream` reads from its handle's private state. */
let streamHooks: {
  open(handle: TurnHandle<unknown>): void;
  step(handle: TurnHandle<unknown>, stream: TurnStream): TurnNotification | StreamStop;
  wait(handle: TurnHandle<unknown>, wake: () => void): void;
  /** A stream stopped early (`break`, `return()`, `throw()`). */
  close(handle: TurnHandle<unknown>): void;
  afterAbort(
    handle: TurnHandle<unknown>,
    stream: TurnStream,
    completed: boolean,
  ): Promise<IteratorResult<TurnNotification, void>>;
};

/**
 * @internal Builds the handle of a reserved turn, then has the router hand it the events the
 * reservation kept for the turn and every later one.
 */
export function openTurnHandle<Output>(reservation: TurnReservation, init: TurnHandleInit<Output>): TurnHandle<Output> {
  const handle = new TurnHandle<Output>(init);
  attachHandle(handle as TurnHandle<never>, reservation);
  return handle;
}

/**
 * One turn of a thread. By default its notifications are recorded from the turn's very first
 * event, so `stream()` can be called any number of times (each call replays from the start) and
 * `run()` works before, during or after streaming. The record lives as long as the handle.
 * With `record: false` (a `TurnOptions` field) nothing is kept: `stream()` runs once.
 *
 * A turn always ends for its handle: with `turn/completed`, or with `TurnLostError` (its thread
 * was closed, unsubscribed, archived or deleted) or `TransportClosedError` (the connection ended).
 */
export class TurnHandle<Output = unknown> {
  /** The turn's id. */
  readonly id: string;
  /** The id of the thread the turn runs on. */
  readonly threadId: string;
  /**
   * True when the server added this input to a turn that another client had started (and that
   * was running when `thread.turn()` was called) instead of starting a new turn: this handle
   * then follows that turn, and its result holds the other client's input too.
   */
  readonly steered: boolean;

  readonly #client: AppServerClient;
  readonly #record: boolean;
  /** With `record`: every event. Without: the events `stream()` has not yielded yet (from `#head`). */
  #events: Notification[] = [];
  #head = 0;
  /** Without `record`: "idle" until `stream()` or `run()`, then whether events are still queued for a stream. */
  #queue: "idle" | "streaming" | "dropped" = "idle";
  readonly #result = new TurnResultBuilder();
  #completed: Turn | undefined;
  #failure: Error | undefined;
  #abort: { error: Error | undefined; interrupted: Promise<void> } | undefined;
  #waiters: (() => void)[] = [];
  /** Called once when `turn/completed` arrives: stops `turn/interrupt` requests still waiting. */
  readonly #onCompleted = new Set<() => void>();
  #built: Promise<TurnResult<Output>> | undefined;
  readonly #decodeOutput: TurnHandleInit<Output>["decodeOutput"];
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#aborted();

  /** @internal Created by `Thread.turn()` (through `openTurnHandle`); not meant to be constructed directly. */
  constructor(init: TurnHandleInit<Output>) {
    this.#client = init.client;
    this.#decodeOutput = init.decodeOutput;
    this.threadId = init.threadId;
    this.id = init.turn.id;
    this.steered = init.steered === true;
    this.#record = init.record !== false;
    this.#signal = init.signal;
  }

  static {
    attachHandle = (handle, reservation) => handle.#attach(reservation);
    streamHooks = {
      open: (handle) => handle.#openStream(),
      step: (handle, stream) => handle.#step(stream),
      wait: (handle, wake) => {
        handle.#waiters.push(wake);
      },
      close: (handle) => handle.#closeStream(),
      afterAbort: (handle, stream, completed) => handle.#afterAbort(stream, completed),
    };
  }

  /**
   * @internal What this handle keeps, for leak checks: the recorded events (with `record`), or
   * the events queued for its one stream (without).
   */
  get load(): { events: number } {
    return { events: this.#events.length - (this.#record ? 0 : this.#head) };
  }

  /** True once the turn's `turn/completed` has arrived. */
  get completed(): boolean {
    return this.#completed !== undefined;
  }

  /**
   * This turn's notifications, in arrival order, ending after its `turn/completed` (inclusive).
   * Every call replays from the turn's first event. Throws `TransportClosedError` if the
   * connection ends first, `TurnLostError` if the thread's events stop, and `AbortError` (after
   * yielding what was recorded) if the turn's signal aborted it — or `InterruptFailedError` if
   * the server did not confirm that interrupt.
   *
   * With `record: false`, it can be called once, and not after `run()` was called without it:
   * nothing is kept for a second reader.
   */
  stream(): AsyncGenerator<TurnNotification, void, undefined> {
    return new TurnStream(this);
  }

  /**
   * Waits for the turn to finish and returns its `TurnResult`. A failed or interrupted turn
   * resolves too (check `status` and `error`). Rejects with `TransportClosedError` (the
   * connection ended), `TurnLostError` (the thread's events stopped), or, when the turn's own
   * signal aborted it, `AbortError` once the server confirmed the interrupt (and the turn's
   * `turn/completed` came, or a short grace passed) and
   * `InterruptFailedError` when it did not (the turn may still be running). An abort that comes
   * after `turn/completed` changes nothing: the result is returned. With an `outputSchema`, a
   * completed answer that does not validate rejects with `OutputValidationError`.
   */
  async run(): Promise<TurnResult<Output>> {
    if (!this.#record && this.#queue === "idle") {
      // Nobody is streaming: stop queueing events for a reader that will never come.
      this.#queue = "dropped";
      this.#events = [];
      this.#head = 0;
    }
    while (this.#completed === undefined && this.#failure === undefined && this.#abort === undefined) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    if (this.#abort) {
      await this.#abort.interrupted;
      throw this.#abort.error!;
    }
    if (this.#completed === undefined) throw this.#failure!;
    if (this.#built === undefined) {
      const result = this.#result.build(this.threadId, this.#completed);
      this.#built = this.#decodeOutput ? this.#decodeOutput(result) : Promise.resolve(result as TurnResult<Output>);
    }
    return this.#built;
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
   * Asks the server to interrupt the turn (`turn/interrupt`) and resolves once it accepted; the
   * turn then completes with `status: "interrupted"`. Does nothing if the turn has already
   * completed. An overloaded server (-32001) is asked again a few times with backoff; any other
   * error (or the last overloaded reply) rejects, and the turn may still be running.
   */
  async interrupt(): Promise<void> {
    let noActiveTurn = 0;
    let busy = 0;
    for (;;) {
      if (this.#completed) return;
      // Once the turn has completed, the reply no longer matters: stop waiting for it. An
      // overloaded server may drop it, and waiting would hang this call (and an aborted turn's
      // run()) forever.
      const completed = new AbortController();
      const stop = (): void => completed.abort();
      this.#onCompleted.add(stop);
      try {
        await this.#client.request(
          "turn/interrupt",
          { threadId: this.threadId, turnId: this.id },
          { signal: completed.signal },
        );
        return;
      } catch (error) {
        // The turn may finish on its own while the request is in flight ("no active turn").
        if (this.#completed) return;
        if (isNoActiveTurn(error) && ++noActiveTurn < INTERRUPT_ATTEMPTS) {
          // Between the turn/start reply and the turn becoming active (`turn/started`), the
          // server also answers "no active turn to interrupt" — and then runs the turn anyway.
          // Without a retry, an abort that lands in that window leaves the turn running. Retry
          // when the turn next shows signs of life (or shortly).
          await this.#pause(INTERRUPT_RETRY_MS, true);
          continue;
        }
        if (isRetryableError(error) && ++busy < INTERRUPT_BUSY_ATTEMPTS) {
          // An overloaded server has not interrupted anything: ask again, after a backoff that
          // does not shorten on the turn's events (they keep coming while it runs).
          await this.#pause(INTERRUPT_BUSY_DELAY_MS * 2 ** (busy - 1), false);
          continue;
        }
        throw error;
      } finally {
        this.#onCompleted.delete(stop);
      }
    }
  }

  /**
   * Without `record`, a stream that stopped early is the turn's only reader gone: the events it
   * left, and every later one, would be kept for nobody until the handle is dropped.
   */
  #closeStream(): void {
    if (this.#record || this.#queue !== "streaming") return;
    this.#queue = "dropped";
    this.#events = [];
    this.#head = 0;
  }

  /** A stream's first `next()`: without `record`, only one stream, and only before `run()`. */
  #openStream(): void {
    if (this.#record) return;
    if (this.#queue !== "idle") {
      throw new InvalidInputError(
        `Turn ${this.id} was started with record: false, so stream() runs once, and only if called before run(): its events are not kept. Start the turn with record: true (the default) to stream it again.`,
      );
    }
    this.#queue = "streaming";
  }

  /**
   * What `stream`'s reader gets next without waiting: its next event, `STREAM_END` after the
   * turn's `turn/completed`, `STREAM_WAIT` until the handle's next change, or `STREAM_ABORTED` /
   * `STREAM_ABORTED_COMPLETED` once the signal aborted the turn (see `#afterAbort`). Throws the
   * turn's failure (connection or thread lost).
   */
  #step(stream: TurnStream): TurnNotification | StreamStop {
    const index = this.#record ? stream.cursor : this.#head;
    if (index < this.#events.length) {
      // The router hands a turn only notifications that name its thread or the turn itself:
      // by the schema, those of the turn and thread notification lists (or unknown methods).
      const event = this.#events[index]! as TurnNotification;
      if (this.#record) stream.cursor = index + 1;
      else this.#consumed(index + 1);
      return event;
    }
    // Every event is read, the last of a completed turn being its turn/completed.
    if (this.#completed) return this.#abort ? STREAM_ABORTED_COMPLETED : STREAM_END;
    if (this.#abort) return STREAM_ABORTED;
    if (this.#failure) throw this.#failure;
    return STREAM_WAIT;
  }

  /**
   * An aborted turn's stream, once the interrupt was answered: the interrupt's own events that
   * arrived meanwhile come first (unless the turn had already completed), then the abort's error.
   */
  async #afterAbort(stream: TurnStream, completed: boolean): Promise<IteratorResult<TurnNotification, void>> {
    const abort = this.#abort!;
    await abort.interrupted;
    if (!completed) {
      const next = this.#step(stream);
      if (typeof next === "object") return { value: next, done: false };
    }
    throw abort.error!;
  }

  /** Waits `ms`, or less: until the turn completes, or with `onEvent`, until its next event. */
  #pause(ms: number, onEvent: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#onCompleted.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#onCompleted.add(finish);
      if (onEvent) this.#waiters.push(finish);
    });
  }

  /** Without `record`: the stream has yielded everything before `index`. */
  #consumed(index: number): void {
    this.#events[index - 1] = undefined as unknown as Notification;
    this.#head = index;
    if (this.#head === this.#events.length) {
      this.#events = [];
      this.#head = 0;
    } else if (this.#head >= QUEUE_COMPACT_AT && this.#head * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Claims the turn's reservation: the router hands this (fully built) handle the events it kept
   * for the turn, then every later one. The signal is watched only afterwards, so that an abort
   * does not interrupt a turn whose kept events already include its `turn/completed`.
   */
  #attach(reservation: TurnReservation): void {
    reservation.claim({
      threadId: this.threadId,
      id: this.id,
      accept: (notification) => this.#accept(notification),
      complete: (turn) => this.#complete(turn),
      fail: (error) => this.#fail(error),
    });
    const signal = this.#signal;
    if (signal && !this.#completed && !this.#failure) {
      if (signal.aborted) this.#aborted();
      else signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Router callback: one notification of this turn. */
  #accept(notification: Notification): void {
    if (this.#record) {
      this.#shareIds(notification);
      this.#events.push(notification);
    } else if (this.#queue !== "dropped") this.#events.push(notification);
    this.#result.add(notification);
    this.#wake();
  }

  /** Router callback: the turn completed; `turn` is its `turn/completed` payload. */
  #complete(turn: Turn): void {
    this.#completed = turn;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    for (const stop of [...this.#onCompleted]) stop();
    this.#wake();
  }

  /**
   * A recorded event keeps its ids alive as long as the handle: JSON.parse made a fresh copy of
   * the thread and turn id strings for every event. Pointing them at the handle's own (equal)
   * strings lets a long turn's record hold one copy, and the garbage collector copy less.
   */
  #shareIds(notification: Notification): void {
    const params = notification.params as { threadId?: unknown; turnId?: unknown } | null;
    if (typeof params !== "object" || params === null) return;
    try {
      if (params.threadId === this.threadId) params.threadId = this.threadId;
      if (params.turnId === this.id) params.turnId = this.id;
    } catch {
      // Frozen params (a custom transport's): they keep their own strings.
    }
  }

  /** Router callback: the connection ended, or the thread's events stopped, before the turn did. */
  #fail(error: Error): void {
    if (this.#completed || this.#failure) return;
    this.#failure = error;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#wake();
  }

  #aborted(): void {
    if (this.#completed || this.#abort || this.#failure) return;
    const abort: { error: Error | undefined; interrupted: Promise<void> } = {
      error: undefined,
      interrupted: Promise.resolve(),
    };
    abort.interrupted = this.interrupt().then(
      async () => {
        // The turn's own end (`turn/completed`, interrupted) follows the accepted interrupt at
        // once: wait for it (boundedly), so that when the abort is reported the turn has ended.
        const deadline = Date.now() + INTERRUPTED_GRACE_MS;
        while (!this.#completed && !this.#failure && Date.now() < deadline)
          await this.#pause(deadline - Date.now(), true);
        abort.error = new AbortError(`Turn ${this.id} was aborted; the server confirmed the interrupt.`, {
          cause: this.#signal?.reason,
        });
      },
      (cause: unknown) => {
        // The connection is gone (or the thread's events stopped): that, not an unconfirmed
        // interrupt, is what ended the turn for this handle.
        if (this.#failure) abort.error = this.#failure;
        else if (TransportClosedError.isInstance(cause)) abort.error = cause as Error;
        else if (this.#completed)
          abort.error = new AbortError(`Turn ${this.id} was aborted; it had ended.`, { cause: this.#signal?.reason });
        else abort.error = new InterruptFailedError(this.threadId, this.id, cause);
      },
    );
    this.#abort = abort;
    this.#wake();
  }

  #wake(): void {
    // Runs for every event: most find nobody waiting (the reader is busy with earlier ones).
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** The result that ends a stream (a fresh object each time, as a generator's). */
function done(): IteratorReturnResult<void> {
  return { value: undefined, done: true };
}

/** A `next()`, `return()` or `throw()` made while an earlier call is still waiting. */
/** How a `next()`, `return()` or `throw()` call is answered: settled directly, never with a promise. */
type Settle = (result: IteratorResult<TurnNotification, void>) => void;
type Reject = (error: unknown) => void;

/**
 * The iterator of `TurnHandle.stream()`: it behaves as an async generator would (started by the
 * first `next()`, calls answered in order, `return()` and `throw()` end it at once but wait for a
 * `next()` still in progress), without a generator's promise hops per event: an event already
 * received answers `next()` with a settled promise, and a reader that has read everything waits
 * on one resolver until the handle's next change.
 */
class TurnStream implements AsyncGenerator<TurnNotification, void, undefined> {
  /** With `record`: the index of the next event to read in the handle's record. */
  cursor = 0;
  readonly #handle: TurnHandle<unknown>;
  #state: "initial" | "open" | "done" = "initial";
  /** The `next()` in progress (waiting for an event, or for an abort's interrupt). */
  #resolve: ((result: IteratorResult<TurnNotification, void>) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #busy = false;
  /** Calls made while a `next()` waited, run in order once it settles. */
  #queued: (() => void)[] = [];
  readonly #wake = (): void => this.#woken();

  constructor(handle: TurnHandle<unknown>) {
    this.#handle = handle;
  }

  next(): Promise<IteratorResult<TurnNotification, void>> {
    return new Promise((resolve, reject) => this.#call(() => this.#next(resolve, reject)));
  }

  return(value?: void | PromiseLike<void>): Promise<IteratorResult<TurnNotification, void>> {
    return new Promise((resolve, reject) =>
      this.#call(() => {
        this.#stop();
        if (value === undefined) resolve(done());
        else Promise.resolve(value).then((resolved) => resolve({ value: resolved, done: true }), reject);
      }),
    );
  }

  throw(error: unknown): Promise<IteratorResult<TurnNotification, void>> {
    return new Promise((_resolve, reject) =>
      this.#call(() => {
        this.#stop();
        reject(error);
      }),
    );
  }

  /**
   * Runs a call now, or after the `next()` in progress, in the order the calls were made. Each is
   * answered through its own promise's functions, so calls settle in that order too.
   */
  #call(run: () => void): void {
    if (this.#busy) this.#queued.push(run);
    else run();
  }

  #next(resolve: Settle, reject: Reject): void {
    if (this.#state === "done") {
      resolve(done());
      return;
    }
    if (this.#state === "initial") {
      this.#state = "open";
      try {
        streamHooks.open(this.#handle);
      } catch (error) {
        this.#state = "done";
        reject(error);
        return;
      }
    }
    let step: TurnNotification | StreamStop;
    try {
      step = streamHooks.step(this.#handle, this);
    } catch (error) {
      this.#stop();
      reject(error);
      return;
    }
    if (typeof step === "object") {
      resolve({ value: step, done: false });
      return;
    }
    if (step === STREAM_END) {
      this.#state = "done";
      resolve(done());
      return;
    }
    this.#busy = true;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#continue(step);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends this stream; a started one lets the handle drop what only it would have read. */
  #stop(): void {
    if (this.#state === "open") streamHooks.close(this.#handle);
    this.#state = "done";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  /** The `next()` in progress found no event yet: wait for the handle's next change, or the abort. */
  #continue(step: StreamStop): void {
    if (step === STREAM_WAIT) streamHooks.wait(this.#handle, this.#wake);
    else
      streamHooks.afterAbort(this.#handle, this, step === STREAM_ABORTED_COMPLETED).then(
        (result) => this.#settle(result),
        (error: unknown) => this.#fail(error),
      );
  }

  /** The handle changed while a `next()` waited: read again. */
  #woken(): void {
    let step: TurnNotification | StreamStop;
    try {
      step = streamHooks.step(this.#handle, this);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (typeof step === "object") this.#settle({ value: step, done: false });
    else if (step === STREAM_END) this.#settle(done());
    else this.#continue(step);
  }

  #settle(result: IteratorResult<TurnNotification, void>): void {
    if (result.done) this.#state = "done";
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#busy = false;
    resolve(result);
    this.#drain();
  }

  #fail(error: unknown): void {
    this.#stop();
    const reject = this.#reject!;
    this.#resolve = undefined;
    this.#reject = undefined;
    this.#busy = false;
    reject(error);
    this.#drain();
  }

  /** Runs the calls made while a `next()` waited, in order, until one has to wait in turn. */
  #drain(): void {
    while (!this.#busy && this.#queued.length > 0) this.#queued.shift()!();
  }
}
