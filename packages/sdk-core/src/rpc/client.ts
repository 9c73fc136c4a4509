// The typed JSON-RPC client of the app-server protocol, over any `Transport`. It knows nothing of
// processes: `Codex.start()` (src/api/) gives it a stdio transport from src/process/.

import type {
  ClientNotificationMap,
  ClientNotificationMethod,
  ClientRequestMap,
  ClientRequestMethod,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerRequestMap,
  ServerRequestMethod,
} from "@codex/protocol-types/experimental";
import {
  abortErrorFrom,
  AbortError,
  CodexError,
  createJsonRpcError,
  InvalidInputError,
  NotificationBufferOverflowError,
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import type { JsonRpcErrorObject } from "../errors.js";
import type { KnownNotification, Notification } from "../notification.js";
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from "./framing.js";
import type { OversizedLine } from "./framing.js";
import { normalizeLogger, redactedJson } from "./logger.js";
import type { Logger, NormalizedLogger } from "./logger.js";
import { retryOnOverload } from "./retry.js";
import type { RetryOptions } from "./retry.js";
import { guardInstrumentation } from "./instrumentation.js";
import type { ClientInstrumentation } from "./instrumentation.js";
import type { Transport, TransportCloseInfo } from "./transport.js";

/** A JSON-RPC request id: the server's own requests use integers from 0. */
export type RequestId = string | number;

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

/** Options of one request. */
export interface RequestOptions {
  /** Aborting it rejects the request with `AbortError` (the server is not told: the protocol has no cancel). */
  signal?: AbortSignal | undefined;
  /**
   * Rejects with `TimeoutError` after this many ms (more than 0), counted from the call
   * (queueing, and with `retryOnBusy` every attempt and the waits between them, included).
   * Overrides `requestTimeoutMs`; `Infinity` means no timeout.
   */
  timeoutMs?: number | undefined;
  /** Retry when the server answers "overloaded" (-32001), with `retryOnOverload`'s backoff. Default false. */
  retryOnBusy?: boolean | Omit<RetryOptions, "signal"> | undefined;
}

/**
 * The arguments of `request(method, ...)` after the method: `params` (optional for the methods
 * whose params the schema lets you omit), then `RequestOptions`.
 */
export type RequestArguments<M extends ClientRequestMethod> = undefined extends ClientRequestMap[M]["params"]
  ? [params?: ClientRequestMap[M]["params"], options?: RequestOptions]
  : [params: ClientRequestMap[M]["params"], options?: RequestOptions];

/** What a server-request handler receives besides params. */
export interface ServerRequestContext {
  /** Aborted when the server resolves the request itself (`serverRequest/resolved`), its turn ends (`turn/completed`), or the client closes. */
  signal: AbortSignal;
  /** The server's id of this request. */
  requestId: RequestId;
  /** The server-request method. */
  method: ServerRequestMethod;
}

/**
 * Answers one kind of server request. May be async and may take as long as a human needs; it
 * never blocks other traffic. Throwing sends the safe reply (see `AppServerClient`).
 */
export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestMap[M]["params"],
  context: ServerRequestContext,
) => ServerRequestMap[M]["result"] | Promise<ServerRequestMap[M]["result"]>;

/** Handlers per server-request method. */
export type ServerRequestHandlers = { [M in ServerRequestMethod]?: ServerRequestHandler<M> };

/** Options of `AppServerClient`. */
export interface AppServerClientOptions {
  /** Receives protocol problems and, with `trace`, every message (secrets redacted). */
  logger?: Logger | undefined;
  /** Log every message sent and received at debug level, secrets redacted. Default false. */
  trace?: boolean | undefined;
  /** Largest incoming message in bytes; bigger ones are dropped with an error. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /**
   * Requests awaiting a reply at once; more are queued in order. Default 32. Control requests
   * (`turn/interrupt`, `turn/steer`, `.../terminate`, `.../cancel`, ...: see `isControlRequest`)
   * neither count nor wait.
   */
  maxInFlight?: number | undefined;
  /** Default timeout of every request, in ms (more than 0). Default none. */
  requestTimeoutMs?: number | undefined;
  /** Handlers of server requests (approvals, questions, ...). */
  serverRequests?: ServerRequestHandlers | undefined;
  /** Observes the traffic, e.g. OpenTelemetry tracing from `@codex/sdk-core/otel`. Default none (no cost). */
  instrumentation?: ClientInstrumentation | undefined;
}

/** Something to stop; also usable with `using`. */
export interface Disposable {
  /** Stops it. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Options of `notifications()`. */
export interface NotificationIteratorOptions {
  /** Ends the iteration: the pending `next()` rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * The most notifications the iterator keeps while nobody reads it. One more ends the
   * iteration with `NotificationBufferOverflowError` once the kept ones are read, instead of
   * growing without bound. Default: no limit (an iterator you stop reading keeps everything).
   */
  maxBuffered?: number | undefined;
}

/** Handler of one notification method: gets its typed params, and the whole notification. */
export type NotificationHandler<M extends ServerNotificationMethod> = (
  params: ServerNotificationMap[M],
  notification: Extract<KnownNotification, { method: M }>,
) => void;

const DECLINED_BY_CLIENT = "Declined by the client: no handler approved this request.";

/**
 * The reply sent when no handler answers a server request, or its handler throws: approvals are
 * declined (each in the shape its response type wants); anything else gets an error reply.
 * Nothing is ever auto-accepted.
 */
export const SAFE_SERVER_REQUEST_REPLIES: { readonly [M in ServerRequestMethod]?: ServerRequestMap[M]["result"] } = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  // Granting an empty permission profile is how this request is declined.
  "item/permissions/requestApproval": { permissions: {}, scope: "turn" },
  "mcpServer/elicitation/request": { action: "decline" },
  execCommandApproval: { decision: { denied: { rejection: DECLINED_BY_CLIENT } } },
  applyPatchApproval: { decision: { denied: { rejection: DECLINED_BY_CLIENT } } },
};

interface PendingRequest {
  method: string;
  /** The params, already encoded as JSON: encoding fails before a slot is taken, never in a stream callback. */
  encodedParams: string;
  /** Only for the protocol trace. */
  params: unknown;
  /** False for control requests, which do not take a `maxInFlight` slot. */
  counted: boolean;
  /** The `trace` field of the envelope (W3C trace context), already encoded; only with instrumentation. */
  encodedTrace: string | undefined;
  id: number | undefined;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface ActiveServerRequest {
  controller: AbortController;
  method: string;
  /** The turn the request belongs to (`params.turnId`), if it says. */
  turnId: string | undefined;
}

interface WireMessage {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

const disposeSymbol: typeof Symbol.dispose = Symbol.dispose ?? Symbol.for("nodejs.dispose");

function makeDisposable(dispose: () => void): Disposable {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    dispose();
  };
  return { dispose: once, [disposeSymbol]: once };
}

/**
 * A JSON-RPC client of codex app-server over a `Transport`: typed requests, notifications in
 * order, server requests answered by handlers (or safely declined), overload handling.
 *
 * ```ts
 * const client = new AppServerClient(transport);
 * await client.request("initialize", { clientInfo: { name: "me", version: "1.0.0" }, capabilities: null });
 * await client.notify("initialized");
 * const { data } = await client.request("thread/list", {});
 * ```
 *
 * Framing follows the real server: one JSON object per `\n`-terminated line; `\r\n`, a BOM, and
 * non-JSON lines before the first message (launcher banners) are tolerated; malformed lines
 * later are logged, never fatal.
 */
export class AppServerClient {
  /** Resolves (never rejects) with the error that closed the client, once the transport has closed. */
  readonly closed: Promise<TransportClosedError>;

  private readonly transport: Transport;
  private readonly logger: NormalizedLogger;
  private readonly trace: boolean;
  private readonly maxInFlight: number;
  private readonly requestTimeoutMs: number | undefined;
  private readonly instrumentation: ClientInstrumentation | undefined;
  private readonly decoder: LineDecoder;
  private readonly encoder = new TextEncoder();

  private nextId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private queue: PendingRequest[] = [];
  private queueHead = 0;
  private inFlight = 0;

  // Handler lists are replaced, never changed in place: a notification is dispatched to the
  // handlers registered when it arrived, so one registered during dispatch never sees it, and
  // one disposed during dispatch is skipped (`active` is cleared).
  private readonly notificationHandlers = new Map<string, readonly HandlerEntry<(params: unknown, notification: Notification) => void>[]>();
  private anyNotificationHandlers: readonly HandlerEntry<(notification: Notification) => void>[] = [];
  private iterators: readonly NotificationIterator[] = [];

  private readonly serverRequestHandlers = new Map<string, ServerRequestHandler<ServerRequestMethod>[]>();
  private readonly activeServerRequests = new Map<RequestId, ActiveServerRequest>();

  /** True once a valid JSON-RPC message arrived: lines that are not JSON-RPC are banners before, errors after. */
  private sawMessage = false;
  private closeRequested = false;
  private closeError: TransportClosedError | undefined;
  private closePromise: Promise<void> | undefined;

  constructor(transport: Transport, options: AppServerClientOptions = {}) {
    this.transport = transport;
    this.logger = normalizeLogger(options.logger);
    this.trace = options.trace === true && this.logger.debugEnabled;
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!(maxInFlight >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${maxInFlight}.`);
    this.maxInFlight = maxInFlight;
    checkTimeout("requestTimeoutMs", options.requestTimeoutMs);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.instrumentation =
      options.instrumentation === undefined
        ? undefined
        : guardInstrumentation(options.instrumentation, (message, error) => this.logger.error(message, error));
    for (const [method, handler] of Object.entries(options.serverRequests ?? {})) {
      if (typeof handler === "function") this.serverRequestHandlers.set(method, [handler as ServerRequestHandler<ServerRequestMethod>]);
    }
    this.decoder = new LineDecoder(
      { line: (text) => this.handleLine(text), oversized: (info) => this.handleOversized(info) },
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    this.closed = transport.closed.then(
      (info) => this.handleClosed(info),
      // A transport must not reject `closed`; if one does, it still closed.
      (error: unknown) => this.handleClosed({ exitCode: null, signal: null, stderrTail: "", reason: "transport failed", error }),
    );
    transport.start((chunk) => this.decoder.push(chunk));
  }

  /** True once the transport has closed (or `close()` was called). */
  get isClosed(): boolean {
    return this.closeRequested || this.closeError !== undefined;
  }

  /**
   * Sends a request and resolves with its result, typed per method. `params` is always sent
   * (the server rejects requests without it); `undefined` is sent as `{}`.
   *
   * Rejects with a `JsonRpcError` subclass when the server answers with an error, `TimeoutError`,
   * `AbortError`, or `TransportClosedError`.
   */
  request<M extends ClientRequestMethod>(method: M, ...args: RequestArguments<M>): Promise<ClientRequestMap[M]["result"]> {
    const [params, options] = args;
    return this.requestUnchecked(method, params, options) as Promise<ClientRequestMap[M]["result"]>;
  }

  /**
   * `request` without compile-time checks, for methods this SDK's schema lacks (experimental
   * methods, newer servers). Same behaviour otherwise.
   */
  requestUnchecked(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    const observation = this.instrumentation?.request?.(method, params);
    if (observation === undefined) return this.requestTraced(method, params, options, undefined);
    const trace = observation.trace;
    const promise = this.requestTraced(method, params, options, trace === undefined || trace === null ? undefined : JSON.stringify(trace));
    promise.then(
      (result) => observation.end({ ok: true, result }),
      (error: unknown) => observation.end({ ok: false, error }),
    );
    return promise;
  }

  private requestTraced(method: string, params: unknown, options: RequestOptions, encodedTrace: string | undefined): Promise<unknown> {
    try {
      checkTimeout("timeoutMs", options.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const retry = options.retryOnBusy;
    if (retry === undefined || retry === false) return this.enqueue(method, params, options, encodedTrace);
    const retryOptions = typeof retry === "object" ? retry : {};
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) {
      return retryOnOverload(() => this.enqueue(method, params, options, encodedTrace), { ...retryOptions, signal: options.signal });
    }
    // One deadline for the whole retried request: each attempt gets what is left of it, and the
    // waits between attempts end at it too.
    const deadline = Date.now() + timeoutMs;
    const expired = new AbortController();
    const timer = setTimeout(() => expired.abort(new TimeoutError(timeoutMs, method)), timeoutMs);
    const signal = options.signal === undefined ? expired.signal : AbortSignal.any([options.signal, expired.signal]);
    return retryOnOverload(() => this.enqueue(method, params, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) }, encodedTrace), {
      ...retryOptions,
      signal,
    })
      .catch((error: unknown) => {
        if (expired.signal.aborted && !options.signal?.aborted && AbortError.isInstance(error)) throw expired.signal.reason;
        throw error;
      })
      .finally(() => clearTimeout(timer));
  }

  /** Sends a notification. Resolves once it is handed to the transport. */
  notify<M extends ClientNotificationMethod>(method: M, params?: ClientNotificationMap[M]): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedErrorNow());
    const message: { method: string; params?: unknown } = params === undefined ? { method } : { method, params };
    let text: string;
    try {
      text = encodeJson(message, `The "${method}" notification's params`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.sendText(text, message);
  }

  /**
   * Calls `handler` for every notification of `method` with its params (or, with `"*"`, for
   * every notification with the whole notification), synchronously and in arrival order. A
   * throwing handler is logged and does not stop the others.
   */
  onNotification<M extends ServerNotificationMethod>(method: M, handler: NotificationHandler<M>): Disposable;
  onNotification(method: "*", handler: (notification: Notification) => void): Disposable;
  onNotification(method: string, handler: (first: never, second: never) => void): Disposable {
    if (method === "*") {
      const entry: HandlerEntry<(notification: Notification) => void> = { handler: handler as (notification: Notification) => void, active: true };
      this.anyNotificationHandlers = [...this.anyNotificationHandlers, entry];
      return makeDisposable(() => {
        entry.active = false;
        this.anyNotificationHandlers = this.anyNotificationHandlers.filter((other) => other !== entry);
      });
    }
    const entry: HandlerEntry<(params: unknown, notification: Notification) => void> = {
      handler: handler as (params: unknown, notification: Notification) => void,
      active: true,
    };
    this.notificationHandlers.set(method, [...(this.notificationHandlers.get(method) ?? []), entry]);
    return makeDisposable(() => {
      entry.active = false;
      const rest = (this.notificationHandlers.get(method) ?? []).filter((other) => other !== entry);
      if (rest.length === 0) this.notificationHandlers.delete(method);
      else this.notificationHandlers.set(method, rest);
    });
  }

  /** @internal Counts of what the client holds, for leak checks: requests awaiting a reply or queued, server requests being answered, notification subscribers. */
  get load(): { pending: number; queued: number; inFlight: number; serverRequests: number; notificationHandlers: number; iterators: number } {
    let queued = 0;
    for (let index = this.queueHead; index < this.queue.length; index++) if (!this.queue[index]!.settled) queued++;
    let notificationHandlers = this.anyNotificationHandlers.length;
    for (const list of this.notificationHandlers.values()) notificationHandlers += list.length;
    return {
      pending: this.pending.size,
      queued,
      inFlight: this.inFlight,
      serverRequests: this.activeServerRequests.size,
      notificationHandlers,
      iterators: this.iterators.length,
    };
  }

  /**
   * Every notification from now on, in order, as an async iterator. Buffers while the consumer
   * is busy. Ends when `close()` is called; throws `TransportClosedError` if the transport closes
   * by itself, and `AbortError` when `signal` aborts. Breaking out of the loop unsubscribes.
   */
  notifications(options: NotificationIteratorOptions = {}): AsyncIterableIterator<Notification> {
    const maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY;
    if (!(maxBuffered >= 1)) {
      throw new InvalidInputError(`notifications(): maxBuffered must be a number of at least 1, got ${String(options.maxBuffered)}.`);
    }
    const iterator = new NotificationIterator(() => {
      this.iterators = this.iterators.filter((other) => other !== iterator);
    }, maxBuffered);
    if (this.closeError !== undefined) {
      iterator.finish(this.closeRequested ? undefined : this.closeError);
      return iterator;
    }
    this.iterators = [...this.iterators, iterator];
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) iterator.finish(abortErrorFrom(signal, "The notification iterator"));
      else {
        const onAbort = (): void => iterator.finish(abortErrorFrom(signal, "The notification iterator"));
        signal.addEventListener("abort", onAbort, { once: true });
        iterator.onDone = () => signal.removeEventListener("abort", onAbort);
      }
    }
    return iterator;
  }

  /**
   * Registers the handler of one server-request method, replacing the current one until the
   * returned Disposable is disposed (then the previous handler, if any, is back).
   */
  onServerRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandler<M>): Disposable {
    const callback = handler as unknown as ServerRequestHandler<ServerRequestMethod>;
    let stack = this.serverRequestHandlers.get(method);
    if (stack === undefined) {
      stack = [];
      this.serverRequestHandlers.set(method, stack);
    }
    stack.push(callback);
    const handlers = stack;
    return makeDisposable(() => {
      const index = handlers.lastIndexOf(callback);
      if (index !== -1) handlers.splice(index, 1);
    });
  }

  /**
   * Closes the transport (for a process: stdin EOF, then SIGTERM, then SIGKILL) and resolves
   * once it is closed. Everything pending rejects with `TransportClosedError`. Idempotent.
   */
  close(): Promise<void> {
    if (this.closePromise === undefined) {
      this.closeRequested = true;
      this.closePromise = (async () => {
        try {
          await this.transport.close();
        } catch (error) {
          this.logger.error(`Closing the transport failed: ${describe(error)}`, error);
        }
        await this.closed;
      })();
    }
    return this.closePromise;
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- outgoing ----------------------------------------------------------------------------

  private enqueue(method: string, params: unknown, options: RequestOptions, encodedTrace: string | undefined): Promise<unknown> {
    if (this.isClosed) return Promise.reject(this.closedErrorNow());
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
        encodedTrace,
        id: undefined,
        settled: false,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => this.settle(entry, false, new TimeoutError(timeoutMs, method)), timeoutMs);
      }
      if (signal !== undefined) {
        entry.onAbort = () => this.settle(entry, false, abortErrorFrom(signal, `The "${method}" request`));
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      if (!counted || this.inFlight < this.maxInFlight) this.dispatch(entry);
      else this.queue.push(entry);
    });
  }

  private dispatch(entry: PendingRequest): void {
    const id = this.nextId++;
    entry.id = id;
    this.pending.set(id, entry);
    if (entry.counted) this.inFlight++;
    const trace = entry.encodedTrace === undefined ? "" : `,"trace":${entry.encodedTrace}`;
    const text = `{"id":${id},"method":${JSON.stringify(entry.method)},"params":${entry.encodedParams}${trace}}`;
    this.sendText(text, entry).catch((error: unknown) => this.settle(entry, false, error));
  }

  /** Starts queued requests while there is room. */
  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queueHead < this.queue.length) {
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
    if (!this.isClosed) this.pump();
  }

  /** Writes one encoded message. Never throws: a failed write rejects. */
  private sendText(text: string, traced: PendingRequest | object): Promise<void> {
    try {
      if (this.trace) {
        const shown = "encodedParams" in traced ? { id: traced.id, method: traced.method, params: traced.params } : traced;
        this.logger.debug(`→ ${redactedJson(shown)}`);
      }
      return this.transport.write(this.encoder.encode(`${text}\n`));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- incoming ----------------------------------------------------------------------------

  private handleLine(text: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(text) as WireMessage;
    } catch {
      this.badLine(text, "is not JSON");
      return;
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.badLine(text, "is not a JSON object");
      return;
    }
    const method = message.method;
    const id = message.id;
    if (typeof method === "string") {
      this.sawMessage = true;
      if (this.trace) this.logger.debug(`← ${redactedJson(message)}`);
      if (id === undefined || id === null) this.handleNotification(message as Notification);
      else if (typeof id === "number" || typeof id === "string") this.handleServerRequest(id, method, message.params);
      else this.badLine(text, "has an id that is neither a number nor a string");
      return;
    }
    if (id !== undefined && ("result" in message || "error" in message)) {
      this.sawMessage = true;
      if (this.trace) this.logger.debug(`← ${redactedJson(message)}`);
      if (id === null) this.handleUnaddressedError(message);
      else this.handleResponse(id, message);
      return;
    }
    this.badLine(text, "is not a JSON-RPC message");
  }

  private badLine(text: string, problem: string): void {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    // Launchers and wrappers print banners before the server speaks; only later is it a fault.
    if (!this.sawMessage) this.logger.debug(`Ignoring a line before the first JSON-RPC message (it ${problem}): ${shown}`);
    else this.logger.warn(`Ignoring a line from the app-server that ${problem}: ${shown}`);
  }

  private handleResponse(id: unknown, message: WireMessage): void {
    let entry = typeof id === "number" ? this.pending.get(id) : undefined;
    // Our ids are numbers; a server that echoes them as strings is still answering them.
    if (entry === undefined && typeof id === "string" && /^\d+$/.test(id)) entry = this.pending.get(Number(id));
    if (entry === undefined) {
      this.logger.debug(`Ignoring a reply to request ${JSON.stringify(id)}, which is not pending (timed out or aborted?).`);
      return;
    }
    const error = message.error;
    if (error !== undefined && error !== null) {
      this.settle(entry, false, createJsonRpcError(toErrorObject(error), entry.method));
    } else {
      this.settle(entry, true, message.result);
    }
  }

  /**
   * An error reply with `id: null`: the server could not tell which request it answers (a
   * message it could not parse, -32700). No pending request can be settled, so it is reported
   * loudly: it means the SDK (or a custom transport) sent something the server could not read.
   */
  private handleUnaddressedError(message: WireMessage): void {
    const error = message.error;
    if (error === undefined || error === null) {
      this.logger.warn(`Ignoring a reply with id null and no error: ${redactedJson(message)}`);
      return;
    }
    const typed = createJsonRpcError(toErrorObject(error));
    this.logger.error(`The app-server answered a message it could not attribute (id null): ${typed.message}`, typed);
  }

  private handleNotification(notification: Notification): void {
    this.instrumentation?.notification?.(notification);
    const method = notification.method as unknown as string;
    if (method === "serverRequest/resolved") this.serverRequestResolved(notification.params);
    else if (method === "turn/completed") this.turnCompleted(notification.params);
    // The lists as they are now: handlers added during dispatch start with the next notification.
    const handlers = this.notificationHandlers.get(method);
    const anyHandlers = this.anyNotificationHandlers;
    const iterators = this.iterators;
    if (handlers !== undefined) {
      for (const entry of handlers) {
        if (!entry.active) continue;
        try {
          entry.handler(notification.params, notification);
        } catch (error) {
          this.handlerThrew(method, error);
        }
      }
    }
    for (const entry of anyHandlers) {
      if (!entry.active) continue;
      try {
        entry.handler(notification);
      } catch (error) {
        this.handlerThrew(method, error);
      }
    }
    for (const iterator of iterators) iterator.push(notification);
  }

  private handlerThrew(method: string, error: unknown): void {
    this.logger.error(`A handler of "${method}" notifications threw: ${describe(error)}`, error);
  }

  private serverRequestResolved(params: unknown): void {
    const requestId = (params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof requestId !== "number" && typeof requestId !== "string") return;
    const active = this.activeServerRequests.get(requestId);
    if (active === undefined) return;
    this.activeServerRequests.delete(requestId);
    active.controller.abort(new AbortError(`The server resolved its "${active.method}" request ${requestId} itself.`));
  }

  /** A turn's end also ends the questions it asked: nobody is waiting for their answers any more. */
  private turnCompleted(params: unknown): void {
    const turnId = (params as { turn?: { id?: unknown } } | undefined)?.turn?.id;
    if (typeof turnId !== "string") return;
    for (const [requestId, active] of this.activeServerRequests) {
      if (active.turnId !== turnId) continue;
      this.activeServerRequests.delete(requestId);
      active.controller.abort(new AbortError(`Turn ${turnId} ended before the "${active.method}" request ${requestId} was answered.`));
    }
  }

  private handleServerRequest(id: RequestId, method: string, params: unknown): void {
    const controller = new AbortController();
    const turnId = (params as { turnId?: unknown } | null | undefined)?.turnId;
    this.activeServerRequests.set(id, { controller, method, turnId: typeof turnId === "string" ? turnId : undefined });
    this.instrumentation?.serverRequest?.({ requestId: id, method, params, signal: controller.signal });
    const stack = this.serverRequestHandlers.get(method);
    const handler = stack !== undefined && stack.length > 0 ? stack[stack.length - 1] : undefined;
    if (handler === undefined) {
      this.replySafely(id, method, undefined);
      return;
    }
    const context: ServerRequestContext = { signal: controller.signal, requestId: id, method: method as ServerRequestMethod };
    // Run the handler on a later tick: it must never block (or throw into) the reader.
    Promise.resolve()
      .then(() => handler(params as never, context))
      .then(
        (result) => {
          if (controller.signal.aborted || this.isClosed) {
            this.finishServerRequest(id, controller);
            return;
          }
          // `{}` would be an approval without a decision, and a reply that cannot be encoded is
          // never sent (the server's turn would wait for it forever): both get the safe reply.
          let text: string | undefined;
          let problem: string;
          if (result === undefined) problem = "returned undefined";
          else {
            try {
              text = encodeJson({ id, result }, "The result");
              problem = "";
            } catch (error) {
              problem = `returned a result JSON cannot encode (${describe(error)})`;
            }
          }
          if (text === undefined) {
            this.logger.warn(`The handler of server request "${method}" ${problem}; sending the safe reply instead.`);
            this.replySafely(id, method, new Error(`the handler ${problem}`));
            return;
          }
          if (this.finishServerRequest(id, controller)) this.sendReplyText(text, { id, result }, method);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          this.logger.error(`The handler of server request "${method}" threw; sending the safe reply instead: ${describe(error)}`, error);
          this.replySafely(id, method, error);
        },
      );
  }

  /** Forgets an answered server request; false if it no longer wants a reply (resolved by the server, or closed). */
  private finishServerRequest(id: RequestId, controller: AbortController): boolean {
    if (this.activeServerRequests.get(id)?.controller === controller) this.activeServerRequests.delete(id);
    return !controller.signal.aborted && !this.isClosed;
  }

  private replySafely(id: RequestId, method: string, error: unknown): void {
    const active = this.activeServerRequests.get(id);
    if (active !== undefined && !this.finishServerRequest(id, active.controller)) return;
    if (active === undefined && this.isClosed) return;
    const safe = (SAFE_SERVER_REQUEST_REPLIES as Record<string, unknown>)[method];
    if (safe !== undefined) {
      this.sendReply({ id, result: safe }, method);
      return;
    }
    const reply =
      error === undefined
        ? { code: -32601, message: `The client has no handler for "${method}"; register one with serverRequests or client.onServerRequest().` }
        : { code: -32603, message: `The client's handler for "${method}" failed: ${describe(error)}` };
    this.sendReply({ id, error: reply }, method);
  }

  private sendReply(message: { id: RequestId; result?: unknown; error?: unknown }, method: string): void {
    this.sendReplyText(JSON.stringify(message), message, method);
  }

  private sendReplyText(text: string, message: { id: RequestId; result?: unknown; error?: unknown }, method: string): void {
    if (this.isClosed) return;
    this.instrumentation?.serverReply?.(message);
    this.sendText(text, message).catch((error: unknown) => {
      this.logger.warn(`Could not send the reply to server request "${method}": ${describe(error)}`);
    });
  }

  private handleOversized(info: OversizedLine): void {
    const match = /^\s*\{\s*"id"\s*:\s*(\d+)\s*,\s*"(?:result|error)"/.exec(info.prefix);
    const entry = match?.[1] === undefined ? undefined : this.pending.get(Number(match[1]));
    const what = entry === undefined ? "A message from the app-server" : `The reply to "${entry.method}"`;
    const message = `${what} is over ${info.maxBytes} bytes (maxMessageBytes) and was dropped. Raise maxMessageBytes, or ask for less (e.g. thread/read without includeTurns).`;
    this.logger.error(`${message} It starts: ${info.prefix.slice(0, 120)}`);
    if (entry !== undefined) this.settle(entry, false, new CodexError(message));
  }

  // ---- closing -----------------------------------------------------------------------------

  private handleClosed(info: TransportCloseInfo): TransportClosedError {
    if (this.closeError !== undefined) return this.closeError;
    try {
      this.decoder.end();
    } catch (error) {
      this.logger.error(`Reading the final message failed: ${describe(error)}`, error);
    }
    const error = new TransportClosedError({
      exitCode: info.exitCode,
      signal: info.signal,
      stderrTail: info.stderrTail,
      reason: info.reason ?? (this.closeRequested ? "closed by the client" : undefined),
      cause: info.error,
    });
    this.closeError = error;
    for (const entry of [...this.pending.values()]) this.settle(entry, false, error);
    for (let index = this.queueHead; index < this.queue.length; index++) {
      const entry = this.queue[index]!;
      if (!entry.settled) this.settle(entry, false, error);
    }
    this.queue = [];
    this.queueHead = 0;
    for (const { controller } of this.activeServerRequests.values()) controller.abort(error);
    this.activeServerRequests.clear();
    for (const iterator of this.iterators) iterator.finish(this.closeRequested ? undefined : error);
    this.iterators = [];
    this.instrumentation?.closed?.();
    return error;
  }

  private closedErrorNow(): TransportClosedError {
    return this.closeError ?? new TransportClosedError({ reason: "closed by the client" });
  }
}

function toErrorObject(error: unknown): JsonRpcErrorObject {
  if (typeof error === "object" && error !== null) {
    const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
    return { code: typeof code === "number" ? code : -32603, message: typeof message === "string" ? message : JSON.stringify(error), data };
  }
  return { code: -32603, message: String(error) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface HandlerEntry<F> {
  readonly handler: F;
  /** Cleared on dispose, so a dispatch already under way skips it. */
  active: boolean;
}

/** JSON text of `value`, or `InvalidInputError` (a `BigInt`, a cycle, a throwing `toJSON`, a function). */
function encodeJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(`${what} cannot be encoded as JSON (${describe(error)}); nothing was sent. Pass plain data: no BigInt, cycles, or throwing toJSON.`, {
      cause: error,
    });
  }
  if (text === undefined) throw new InvalidInputError(`${what} cannot be encoded as JSON (it is ${typeof value}); nothing was sent. Pass plain data.`);
  return text;
}

function checkTimeout(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0)) {
    throw new InvalidInputError(`${name} must be a number of milliseconds greater than 0 (or Infinity for none), got ${String(value)}.`);
  }
}

/** The iterator returned by `AppServerClient.notifications()`. */
class NotificationIterator implements AsyncIterableIterator<Notification> {
  onDone: (() => void) | undefined;
  private buffer: Notification[] = [];
  private head = 0;
  private waiting: { resolve(result: IteratorResult<Notification>): void; reject(error: unknown): void } | undefined;
  private done = false;
  private failure: unknown;
  private readonly unsubscribe: () => void;

  constructor(
    unsubscribe: () => void,
    private readonly maxBuffered: number,
  ) {
    this.unsubscribe = unsubscribe;
  }

  push(notification: Notification): void {
    if (this.done) return;
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      waiting.resolve({ value: notification, done: false });
    } else if (this.buffer.length - this.head >= this.maxBuffered) {
      this.finish(
        new NotificationBufferOverflowError(
          `notifications(): more than ${this.maxBuffered} notifications were waiting to be read (maxBuffered), so this iterator stopped collecting. Read it faster, raise maxBuffered, or use onNotification() for a handler that never falls behind.`,
        ),
      );
    } else {
      this.buffer.push(notification);
    }
  }

  /** Ends the iteration after the buffered notifications: with `error` thrown, or done. */
  finish(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    this.unsubscribe();
    this.onDone?.();
    const waiting = this.waiting;
    if (waiting !== undefined) {
      this.waiting = undefined;
      this.settleEnd(waiting);
    }
  }

  next(): Promise<IteratorResult<Notification>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head]!;
      this.buffer[this.head++] = undefined as unknown as Notification;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      return new Promise((resolve, reject) => this.settleEnd({ resolve, reject }));
    }
    if (this.waiting !== undefined) return Promise.reject(new Error("notifications(): next() called again before the previous call settled."));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Notification>> {
    this.failure = undefined;
    this.finish();
    this.buffer = [];
    this.head = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Notification> {
    return this;
  }

  /** The error is thrown once; after that the iterator is simply done. */
  private settleEnd(waiting: { resolve(result: IteratorResult<Notification>): void; reject(error: unknown): void }): void {
    const failure = this.failure;
    if (failure !== undefined) {
      this.failure = undefined;
      waiting.reject(failure);
    } else {
      waiting.resolve({ value: undefined, done: true });
    }
  }
}
