// The typed JSON-RPC client of the app-server protocol, over any `Transport`. It knows nothing of
// processes or sockets: `Codex.start()` and `Codex.connect()` (src/api/) hand it a transport. Its
// jobs live beside it: request-queue.ts (ids, replies, timeouts, the in-flight limit),
// notification-fanout.ts (handlers and iterators), server-requests.ts (approvals and questions).

import type {
  ClientNotificationMap,
  ClientNotificationMethod,
  ClientRequestMap,
  ClientRequestMethod,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerRequestMethod,
  W3cTraceContext,
} from "@codex/protocol-types/experimental";
import {
  AbortError,
  CodexError,
  createJsonRpcError,
  InvalidInputError,
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import type { KnownNotification, Notification } from "../notification.js";
import type { Subscription } from "./disposable.js";
import { describeError, encodeJson } from "./encoding.js";
import { normalizeLogger, redactedJson } from "./logger.js";
import type { Logger, NormalizedLogger } from "./logger.js";
import { NotificationFanout } from "./notification-fanout.js";
import { NotificationIterator } from "./notification-iterator.js";
import { DEFAULT_MAX_IN_FLIGHT, RequestQueue, toErrorObject } from "./request-queue.js";
import { guardInstrumentation } from "./instrumentation.js";
import type { ClientInstrumentation } from "./instrumentation.js";
import { retryOnOverload } from "./retry.js";
import type { RetryOptions } from "./retry.js";
import { ServerRequestDispatcher } from "./server-requests.js";
import type { RequestId, ServerRequestHandler, ServerRequestHandlers, ServerRequestScope } from "./server-requests.js";
import type { DroppedMessage, Transport, TransportCloseInfo } from "./transport.js";

export type { Subscription } from "./disposable.js";
export { DEFAULT_MAX_IN_FLIGHT, isControlRequest } from "./request-queue.js";
export { SAFE_SERVER_REQUEST_REPLIES } from "./server-requests.js";
export type {
  RequestId,
  ServerRequestContext,
  ServerRequestHandler,
  ServerRequestHandlers,
} from "./server-requests.js";

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

/** Options of `AppServerClient`. */
export interface AppServerClientOptions {
  /** Receives protocol problems and, with `trace`, every message (secrets redacted). */
  logger?: Logger | undefined;
  /** Log every message sent and received at debug level, secrets redacted. Default false. */
  trace?: boolean | undefined;
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

interface WireMessage {
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
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
 * Framing is the transport's business (lines on stdio, frames on a WebSocket); messages that
 * are not JSON-RPC are logged, never fatal.
 */
export class AppServerClient {
  /** Resolves (never rejects) with the error that closed the client, once the transport has closed. */
  readonly closed: Promise<TransportClosedError>;

  private readonly transport: Transport;
  private readonly logger: NormalizedLogger;
  private readonly trace: boolean;
  private readonly requestTimeoutMs: number | undefined;
  private readonly requests: RequestQueue;
  private readonly fanout: NotificationFanout;
  private readonly serverRequests: ServerRequestDispatcher;
  private readonly instrumentation: ClientInstrumentation | undefined;

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
    checkTimeout("requestTimeoutMs", options.requestTimeoutMs);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.instrumentation =
      options.instrumentation === undefined
        ? undefined
        : guardInstrumentation(options.instrumentation, (message, error) => this.logger.error(message, error));
    const send = (message: object): Promise<void> => this.send(message);
    const isClosed = (): boolean => this.isClosed;
    this.requests = new RequestQueue({ maxInFlight, requestTimeoutMs: options.requestTimeoutMs, send, isClosed });
    this.fanout = new NotificationFanout(this.logger);
    this.serverRequests = new ServerRequestDispatcher({
      handlers: options.serverRequests,
      logger: this.logger,
      send,
      isClosed,
      instrumentation: this.instrumentation,
    });
    this.closed = transport.closed.then(
      (info) => this.handleClosed(info),
      // A transport must not reject `closed`; if one does, it still closed.
      (error: unknown) =>
        this.handleClosed({ exitCode: null, signal: null, stderrTail: "", reason: "transport failed", error }),
    );
    transport.start({
      message: (message) => this.handleMessage(message),
      dropped: (info) => this.handleDropped(info),
      interrupted: (info) => this.handleInterrupted(info),
      abandoned: (message) => this.isAbandonedRequest(message),
    });
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
  request<M extends ClientRequestMethod>(
    method: M,
    ...args: RequestArguments<M>
  ): Promise<ClientRequestMap[M]["result"]> {
    const [params, options] = args;
    return this.requestUnchecked(method, params, options) as Promise<ClientRequestMap[M]["result"]>;
  }

  /**
   * `request` without compile-time checks, for methods this SDK's schema lacks (experimental
   * methods, newer servers). Same behaviour otherwise.
   */
  requestUnchecked(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    const observation = this.instrumentation?.request?.(method, params);
    if (observation === undefined) return this.requestTraced(method, params, options);
    const trace = observation.trace;
    const promise = this.requestTraced(
      method,
      params,
      trace === undefined || trace === null ? options : { ...options, trace },
    );
    promise.then(
      (result) => observation.end({ ok: true, result }),
      (error: unknown) => observation.end({ ok: false, error }),
    );
    return promise;
  }

  private requestTraced(
    method: string,
    params: unknown,
    options: RequestOptions & { trace?: W3cTraceContext },
  ): Promise<unknown> {
    try {
      checkTimeout("timeoutMs", options.timeoutMs);
    } catch (error) {
      return Promise.reject(error);
    }
    const retry = options.retryOnBusy;
    if (retry === undefined || retry === false) return this.enqueue(method, params, options);
    const retryOptions = typeof retry === "object" ? retry : {};
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) {
      return retryOnOverload(() => this.enqueue(method, params, options), { ...retryOptions, signal: options.signal });
    }
    // One deadline for the whole retried request: each attempt gets what is left of it, and the
    // waits between attempts end at it too.
    const deadline = Date.now() + timeoutMs;
    const expired = new AbortController();
    const timer = setTimeout(() => expired.abort(new TimeoutError(timeoutMs, method)), timeoutMs);
    const signal = options.signal === undefined ? expired.signal : AbortSignal.any([options.signal, expired.signal]);
    return retryOnOverload(
      () => this.enqueue(method, params, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) }),
      {
        ...retryOptions,
        signal,
      },
    )
      .catch((error: unknown) => {
        if (expired.signal.aborted && !options.signal?.aborted && AbortError.isInstance(error))
          throw expired.signal.reason;
        throw error;
      })
      .finally(() => clearTimeout(timer));
  }

  /** Sends a notification. Resolves once it is handed to the transport. */
  notify<M extends ClientNotificationMethod>(method: M, params?: ClientNotificationMap[M]): Promise<void> {
    if (this.isClosed) return Promise.reject(this.closedErrorNow());
    const message: { method: string; params?: unknown } = params === undefined ? { method } : { method, params };
    try {
      encodeJson(message, `The "${method}" notification's params`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send(message);
  }

  /**
   * Calls `handler` for every notification of `method` with its params (or, with `"*"`, for
   * every notification with the whole notification), synchronously and in arrival order. A
   * throwing handler is logged and does not stop the others.
   */
  onNotification<M extends ServerNotificationMethod>(method: M, handler: NotificationHandler<M>): Subscription;
  onNotification(method: "*", handler: (notification: Notification) => void): Subscription;
  onNotification(method: string, handler: (first: never, second: never) => void): Subscription {
    if (method === "*") return this.fanout.onAny(handler as (notification: Notification) => void);
    return this.fanout.on(method, handler as (params: unknown, notification: Notification) => void);
  }

  /**
   * @internal Counts of what the client holds, for leak checks: requests awaiting a reply or
   * queued, server requests being answered, notification subscribers.
   */
  get load(): {
    pending: number;
    queued: number;
    inFlight: number;
    serverRequests: number;
    notificationHandlers: number;
    iterators: number;
  } {
    return { ...this.requests.load, serverRequests: this.serverRequests.size, ...this.fanout.load };
  }

  /**
   * Every notification from now on, in order, as an async iterator. Buffers while the consumer
   * is busy. Ends when `close()` is called; throws `TransportClosedError` if the transport closes
   * by itself, and `AbortError` when `signal` aborts. Breaking out of the loop unsubscribes.
   */
  notifications(options: NotificationIteratorOptions = {}): AsyncIterableIterator<Notification> {
    const maxBuffered = options.maxBuffered ?? Number.POSITIVE_INFINITY;
    if (!(maxBuffered >= 1)) {
      throw new InvalidInputError(
        `notifications(): maxBuffered must be a number of at least 1, got ${String(options.maxBuffered)}.`,
      );
    }
    if (this.closeError !== undefined) {
      const iterator = new NotificationIterator(() => {}, maxBuffered);
      iterator.finish(this.closeRequested ? undefined : this.closeError);
      return iterator;
    }
    return this.fanout.iterate(maxBuffered, options.signal);
  }

  /**
   * Registers the handler of one server-request method, replacing the current one until the
   * returned Subscription is disposed (then the previous handler, if any, is back).
   */
  onServerRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandler<M>): Subscription {
    return this.serverRequests.register(method, handler as unknown as ServerRequestHandler<ServerRequestMethod>);
  }

  /** @internal Set by `Codex`: adds items, threads and per-turn handlers to server requests. */
  setServerRequestScope(scope: ServerRequestScope): void {
    this.serverRequests.setScope(scope);
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
          this.logger.error(`Closing the transport failed: ${describeError(error)}`, error);
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

  private enqueue(
    method: string,
    params: unknown,
    options: RequestOptions & { trace?: W3cTraceContext },
  ): Promise<unknown> {
    if (this.isClosed) return Promise.reject(this.closedErrorNow());
    return this.requests.enqueue(method, params, options);
  }

  /** Hands one message (already checked to encode) to the transport. Never throws: a failed send rejects. */
  private send(message: object): Promise<void> {
    try {
      if (this.trace) this.logger.debug(`→ ${redactedJson(message)}`);
      return this.transport.send(message);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // ---- incoming ----------------------------------------------------------------------------

  private handleMessage(received: unknown): void {
    const message = received as WireMessage;
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      this.badLine(message, "is not a JSON object");
      return;
    }
    const method = message.method;
    const id = message.id;
    if (typeof method === "string") {
      this.sawMessage = true;
      if (this.trace) this.logger.debug(`← ${redactedJson(message)}`);
      if (id === undefined || id === null) this.handleNotification(message as Notification);
      else if (typeof id === "number" || typeof id === "string")
        this.serverRequests.handle(id as RequestId, method, message.params);
      else this.badLine(message, "has an id that is neither a number nor a string");
      return;
    }
    if (id !== undefined && ("result" in message || "error" in message)) {
      this.sawMessage = true;
      if (this.trace) this.logger.debug(`← ${redactedJson(message)}`);
      if (id === null) this.handleUnaddressedError(message);
      else if (!this.requests.answer(id, message)) {
        this.logger.debug(
          `Ignoring a reply to request ${JSON.stringify(id)}, which is not pending (timed out or aborted?).`,
        );
      }
      return;
    }
    this.badLine(message, "is not a JSON-RPC message");
  }

  private badLine(message: unknown, problem: string): void {
    const text = redactedJson(message) ?? String(message);
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    // Launchers and wrappers print banners before the server speaks; only later is it a fault.
    if (!this.sawMessage)
      this.logger.debug(`Ignoring a line before the first JSON-RPC message (it ${problem}): ${shown}`);
    else this.logger.warn(`Ignoring a line from the app-server that ${problem}: ${shown}`);
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
    if (method === "serverRequest/resolved") this.serverRequests.resolved(notification.params);
    this.fanout.dispatch(notification);
  }

  /** A request of ours (it has a method and our id) that is no longer pending: timed out or aborted. */
  private isAbandonedRequest(message: object): boolean {
    const { id, method } = message as { id?: unknown; method?: unknown };
    return typeof method === "string" && typeof id === "number" && this.requests.methodOf(id) === undefined;
  }

  private handleDropped(info: DroppedMessage): void {
    const method = this.requests.methodOf(info.requestId);
    const what = method === undefined ? "A message from the app-server" : `The reply to "${method}"`;
    const message = `${what} is over ${info.maxBytes} bytes (maxMessageBytes) and was dropped. Raise maxMessageBytes, or ask for less (e.g. thread/read without includeTurns).`;
    this.logger.error(`${message} It starts: ${info.prefix.slice(0, 120)}`);
    if (method !== undefined) this.requests.fail(info.requestId, new CodexError(message));
  }

  /**
   * The connection was lost and the transport is connecting again: nothing in flight will be
   * answered, so those requests fail now; queued ones wait for the new connection.
   */
  private handleInterrupted(info: TransportCloseInfo): void {
    if (this.closeError !== undefined) return;
    const error = new TransportClosedError({
      exitCode: info.exitCode,
      signal: info.signal,
      stderrTail: info.stderrTail,
      reason: `${info.reason ?? "the connection was lost"}; reconnecting`,
      cause: info.error,
    });
    this.requests.failInFlight(error);
    this.serverRequests.abortAll(error);
    this.instrumentation?.closed?.();
  }

  // ---- closing -----------------------------------------------------------------------------

  private handleClosed(info: TransportCloseInfo): TransportClosedError {
    if (this.closeError !== undefined) return this.closeError;
    const error = new TransportClosedError({
      exitCode: info.exitCode,
      signal: info.signal,
      stderrTail: info.stderrTail,
      reason: info.reason ?? (this.closeRequested ? "closed by the client" : undefined),
      cause: info.error,
    });
    this.closeError = error;
    this.requests.failAll(error);
    this.serverRequests.abortAll(error);
    this.fanout.finishIterators(this.closeRequested ? undefined : error);
    this.instrumentation?.closed?.();
    return error;
  }

  private closedErrorNow(): TransportClosedError {
    return this.closeError ?? new TransportClosedError({ reason: "closed by the client" });
  }
}

function checkTimeout(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !(value > 0)) {
    throw new InvalidInputError(
      `${name} must be a number of milliseconds greater than 0 (or Infinity for none), got ${String(value)}.`,
    );
  }
}
