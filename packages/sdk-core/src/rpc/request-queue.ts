// The client's requests: ids, the replies they wait for, timeouts and aborts, and the queue that
// keeps at most `maxInFlight` of them unanswered at once (control requests never wait).

import type { W3cTraceContext } from "@codex/protocol-types";
import { abortErrorFrom, createJsonRpcError, TimeoutError } from "../errors.js";
import type { JsonRpcErrorObject } from "../errors.js";
import { encodeJson } from "./encoding.js";

/** Default cap on requests awaiting a reply. The real server starts refusing (-32001) bursts of a few hundred. */
export const DEFAULT_MAX_IN_FLIGHT = 32;

/**
 * True for the control requests that act on something already running: `turn/interrupt`,
 * `turn/steer`, every `.../terminate`, `.../cancel`, `.../kill` and `.../stop`, and the input
 * and resize requests of running processes (`command/exec/write`, `command/exec/resize`,
 * `process/writeStdin`, `process/resizePty`). They are sent at once and never count against
 * `maxInFlight`: long-running requests (`command/exec` with `tty` or `disableTimeout` is answered
 * only when its process ends) can hold every slot, and the request that would end them must not
 * wait behind them.
 */
export function isControlRequest(method: string): boolean {
  return (
    method === "turn/interrupt" ||
    method === "turn/steer" ||
    /\/(terminate|cancel|kill|stop)$/.test(method) ||
    method === "command/exec/write" ||
    method === "command/exec/resize" ||
    method === "process/writeStdin" ||
    method === "process/resizePty"
  );
}

interface PendingRequest {
  method: string;
  /** The params, already encoded as JSON: encoding fails before a slot is taken, never in a stream callback. */
  encodedParams: string;
  /** The params as given (sent as they are when the request goes out at once). */
  params: unknown;
  /** False for control requests, which do not take a `maxInFlight` slot. */
  counted: boolean;
  /** True if it waited in the queue: then `encodedParams` is what goes out. */
  queued: boolean;
  /** The envelope's `trace` field (W3C trace context), given by the client's instrumentation. */
  trace: W3cTraceContext | undefined;
  id: number | undefined;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** @internal What the queue needs from its client. */
export interface RequestQueueOptions {
  maxInFlight: number;
  /** Default timeout of every request, in ms. */
  requestTimeoutMs: number | undefined;
  /** Hands one message to the transport. */
  send(message: object): Promise<void>;
  /** True once the client is closed: queued requests then stay where they are (they are failed). */
  isClosed(): boolean;
}

/** A reply as it arrived. */
export interface ReplyMessage {
  result?: unknown;
  error?: unknown;
}

/** @internal The requests of one client. */
export class RequestQueue {
  private readonly options: RequestQueueOptions;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private queue: PendingRequest[] = [];
  private queueHead = 0;
  private inFlight = 0;

  constructor(options: RequestQueueOptions) {
    this.options = options;
  }

  /**
   * Sends `method` now, or queues it while `maxInFlight` requests await replies. Resolves with the
   * result; rejects with the error reply, `TimeoutError`, `AbortError`, a transport error, or
   * `InvalidInputError` when the params cannot be encoded (then nothing was sent).
   */
  enqueue(
    method: string,
    params: unknown,
    options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined; trace?: W3cTraceContext | undefined },
  ): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortErrorFrom(signal, `The "${method}" request`));
    const sentParams = params === undefined ? {} : params;
    let encodedParams: string;
    try {
      encodedParams = encodeJson(sentParams, `The params of "${method}"`);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<unknown>((resolve, reject) => {
      const counted = !isControlRequest(method);
      const entry: PendingRequest = {
        method,
        encodedParams,
        params: sentParams,
        counted,
        queued: false,
        trace: options.trace,
        id: undefined,
        settled: false,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => this.settle(entry, false, new TimeoutError(timeoutMs, method)), timeoutMs);
      }
      if (signal !== undefined) {
        entry.onAbort = () => this.settle(entry, false, abortErrorFrom(signal, `The "${method}" request`));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      if (!counted || this.inFlight < this.options.maxInFlight) this.dispatch(entry);
      else {
        entry.queued = true;
        this.queue.push(entry);
      }
    });
  }

  /**
   * Settles the request `id` answers with `reply`; false if none is pending under that id
   * (timed out or aborted). Our ids are numbers; a server echoing them as strings still answers them.
   */
  answer(id: unknown, reply: ReplyMessage): boolean {
    const entry = this.find(id);
    if (entry === undefined) return false;
    const error = reply.error;
    if (error !== undefined && error !== null)
      this.settle(entry, false, createJsonRpcError(toErrorObject(error), entry.method));
    else this.settle(entry, true, reply.result);
    return true;
  }

  /** The method of the pending request `id`, if any. */
  methodOf(id: unknown): string | undefined {
    return this.find(id)?.method;
  }

  /** Fails the pending request `id` with `error`; false if none is pending. */
  fail(id: unknown, error: unknown): boolean {
    const entry = this.find(id);
    if (entry === undefined) return false;
    this.settle(entry, false, error);
    return true;
  }

  /** Fails every request sent and not answered; queued ones stay queued. */
  failInFlight(error: unknown): void {
    for (const entry of [...this.pending.values()]) this.settle(entry, false, error);
  }

  /** Fails every request, sent or queued. */
  failAll(error: unknown): void {
    this.failInFlight(error);
    for (let index = this.queueHead; index < this.queue.length; index++) {
      const entry = this.queue[index]!;
      if (!entry.settled) this.settle(entry, false, error);
    }
    this.queue = [];
    this.queueHead = 0;
  }

  /** Counts, for leak checks. */
  get load(): { pending: number; queued: number; inFlight: number } {
    let queued = 0;
    for (let index = this.queueHead; index < this.queue.length; index++) if (!this.queue[index]!.settled) queued++;
    return { pending: this.pending.size, queued, inFlight: this.inFlight };
  }

  private find(id: unknown): PendingRequest | undefined {
    if (typeof id === "number") return this.pending.get(id);
    if (typeof id === "string" && /^\d+$/.test(id)) return this.pending.get(Number(id));
    return undefined;
  }

  private dispatch(entry: PendingRequest): void {
    const id = this.nextId++;
    entry.id = id;
    this.pending.set(id, entry);
    if (entry.counted) this.inFlight++;
    // A request that waited in the queue goes out as it was when request() was called, even if
    // the caller changed its params object meanwhile.
    const params = entry.queued ? (JSON.parse(entry.encodedParams) as unknown) : entry.params;
    const message =
      entry.trace === undefined
        ? { id, method: entry.method, params }
        : { id, method: entry.method, params, trace: entry.trace };
    this.options.send(message).catch((error: unknown) => this.settle(entry, false, error));
  }

  /** Starts queued requests while there is room. */
  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queueHead < this.queue.length) {
      const entry = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as PendingRequest;
      if (!entry.settled) this.dispatch(entry);
    }
    if (this.queueHead === this.queue.length && this.queueHead > 0) {
      this.queue = [];
      this.queueHead = 0;
    }
  }

  private settle(entry: PendingRequest, ok: boolean, value: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.onAbort !== undefined) entry.signal!.removeEventListener("abort", entry.onAbort);
    // A timed-out or aborted request frees its slot: the server may never answer it (it drops
    // replies when its outbound queue is full), and a leaked slot would stall the queue.
    if (entry.id !== undefined && this.pending.get(entry.id) === entry) {
      this.pending.delete(entry.id);
      if (entry.counted) this.inFlight--;
    }
    if (ok) entry.resolve(value);
    else entry.reject(value);
    if (!this.options.isClosed()) this.pump();
  }
}

/** The error object of a reply, with its fields checked (a server may send anything). */
export function toErrorObject(error: unknown): JsonRpcErrorObject {
  if (typeof error === "object" && error !== null) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
    return {
      code: typeof code === "number" ? code : -32603,
      message: typeof message === "string" ? message : JSON.stringify(error),
      data,
    };
  }
  return { code: -32603, message: String(error) };
}
