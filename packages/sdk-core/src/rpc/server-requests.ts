// Requests the server sends the client (approvals, questions): each goes to the handler
// registered for its method, on a later tick, and gets exactly one reply — the handler's, or the
// safe one (approvals declined, anything else an error). Nothing is ever auto-accepted.

import type { ServerRequestMap, ServerRequestMethod, ThreadItem } from "@codex/protocol-types/experimental";
// biome-ignore lint/style/noRestrictedImports: a type only (the handler's context names the Thread `Codex` fills in); erased at runtime.
import type { Thread } from "../api/thread.js";
import { AbortError } from "../errors.js";
import { makeDisposable, type Subscription } from "./disposable.js";
import { describeError, encodeJson } from "./encoding.js";
import type { NormalizedLogger } from "./logger.js";
import type { ClientInstrumentation } from "./instrumentation.js";

/** A JSON-RPC request id: the server's own requests use integers from 0. */
export type RequestId = string | number;

/** What a server-request handler receives besides params. */
export interface ServerRequestContext {
  /**
   * Aborted when the server resolves the request itself (`serverRequest/resolved`), the client
   * closes, or (on `codex.client`, whose `Codex` follows turns) the request's turn completes.
   */
  signal: AbortSignal;
  /** The server's id of this request. */
  requestId: RequestId;
  /** The server-request method. */
  method: ServerRequestMethod;
  /** The thread the request is about (`params.threadId`), or null. */
  threadId: string | null;
  /** The turn the request is about (`params.turnId`), or null. */
  turnId: string | null;
  /**
   * The item the request is about, as its `item/started` described it (the command, the file
   * changes, ...), or null (no `itemId`, or a bare `AppServerClient`, which keeps no items).
   */
  item: ThreadItem | null;
  /** A `Thread` handle of `threadId` (from `Codex`; null without a thread or on a bare `AppServerClient`). */
  thread: Thread | null;
}

/**
 * @internal What `Codex` adds to the client's server-request dispatch: the item and thread of a
 * request's context, and the handlers of the request's own turn, which come before the
 * connection-wide ones.
 */
export interface ServerRequestScope {
  /** Fills in the context's `item` and `thread`. */
  extend(params: unknown, context: ServerRequestContext): ServerRequestContext;
  /**
   * Called once, when the scope is set: the scope calls `endTurn` when a turn completes, which
   * aborts the signals of that turn's requests still being answered.
   */
  connect(endTurn: (turnId: string) => void): void;
  /**
   * The handler for this request, given the connection-wide one (`fallback`, possibly
   * undefined); undefined when neither applies.
   */
  handlerFor(
    method: string,
    context: ServerRequestContext,
    fallback: ServerRequestHandler<ServerRequestMethod> | undefined,
  ): ServerRequestHandler<ServerRequestMethod> | undefined;
}

/** @internal A handler's answer meaning "nobody handled it": the safe reply, without a warning. */
export const UNHANDLED: unique symbol = Symbol("codex.sdk.unhandledServerRequest");

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

interface ActiveServerRequest {
  controller: AbortController;
  method: string;
  /** The turn the request belongs to (`params.turnId`), if it says. */
  turnId: string | undefined;
}

/** @internal What the dispatcher needs from its client. */
export interface ServerRequestDispatcherOptions {
  handlers: ServerRequestHandlers | undefined;
  logger: NormalizedLogger;
  /** Hands one reply to the transport. */
  send(message: object): Promise<void>;
  /** True once the client is closed: no reply goes out any more. */
  isClosed(): boolean;
  /** Told of each request and the reply sent (tracing). */
  instrumentation?: ClientInstrumentation | undefined;
}

/** @internal The server requests of one client: handlers, and the requests being answered. */
export class ServerRequestDispatcher {
  private readonly handlers = new Map<string, ServerRequestHandler<ServerRequestMethod>[]>();
  private readonly active = new Map<RequestId, ActiveServerRequest>();
  private readonly logger: NormalizedLogger;
  private readonly sendMessage: (message: object) => Promise<void>;
  private readonly isClosed: () => boolean;
  private scope: ServerRequestScope | undefined;
  private readonly instrumentation: ClientInstrumentation | undefined;

  constructor(options: ServerRequestDispatcherOptions) {
    this.instrumentation = options.instrumentation;
    this.logger = options.logger;
    this.sendMessage = options.send;
    this.isClosed = options.isClosed;
    for (const [method, handler] of Object.entries(options.handlers ?? {})) {
      if (typeof handler === "function")
        this.handlers.set(method, [handler as ServerRequestHandler<ServerRequestMethod>]);
    }
  }

  /** Adds items, threads and per-turn handlers (set by `Codex`). */
  setScope(scope: ServerRequestScope): void {
    this.scope = scope;
    scope.connect((turnId) => this.endTurn(turnId));
  }

  /** Requests being answered, for leak checks. */
  get size(): number {
    return this.active.size;
  }

  /** Makes `handler` the one for `method` until disposed (then the previous one is back). */
  register(method: string, handler: ServerRequestHandler<ServerRequestMethod>): Subscription {
    let stack = this.handlers.get(method);
    if (stack === undefined) {
      stack = [];
      this.handlers.set(method, stack);
    }
    stack.push(handler);
    const handlers = stack;
    return makeDisposable(() => {
      const index = handlers.lastIndexOf(handler);
      if (index !== -1) handlers.splice(index, 1);
    });
  }

  /** Answers one server request: through its handler on a later tick, or with the safe reply. */
  handle(id: RequestId, method: string, params: unknown): void {
    const controller = new AbortController();
    const record = typeof params === "object" && params !== null ? (params as Record<string, unknown>) : {};
    const turnId = typeof record["turnId"] === "string" ? record["turnId"] : null;
    const threadId = typeof record["threadId"] === "string" ? record["threadId"] : null;
    this.active.set(id, { controller, method, turnId: turnId ?? undefined });
    this.instrumentation?.serverRequest?.({ requestId: id, method, params, signal: controller.signal });
    const stack = this.handlers.get(method);
    let handler = stack !== undefined && stack.length > 0 ? stack[stack.length - 1] : undefined;
    let context: ServerRequestContext = {
      signal: controller.signal,
      requestId: id,
      method: method as ServerRequestMethod,
      threadId,
      turnId,
      item: null,
      thread: null,
    };
    if (this.scope !== undefined) {
      try {
        context = this.scope.extend(params, context);
        handler = this.scope.handlerFor(method, context, handler);
      } catch (error) {
        this.logger.error(`Preparing the context of server request "${method}" failed: ${describeError(error)}`, error);
      }
    }
    if (handler === undefined) {
      this.replySafely(id, method, undefined);
      return;
    }
    const chosen = handler;
    // Run the handler on a later tick: it must never block (or throw into) the reader.
    Promise.resolve()
      .then(() => chosen(params as never, context))
      .then(
        (result: unknown) => {
          if (controller.signal.aborted || this.isClosed()) {
            this.finish(id, controller);
            return;
          }
          if (result === UNHANDLED) {
            // A per-turn dispatch found no handler after all: as if none was registered.
            this.replySafely(id, method, undefined);
            return;
          }
          // `{}` would be an approval without a decision, and a reply that cannot be encoded is
          // never sent (the server's turn would wait for it forever): both get the safe reply.
          let encodable = false;
          let problem: string;
          if (result === undefined) problem = "returned undefined";
          else {
            try {
              encodeJson({ id, result }, "The result");
              encodable = true;
              problem = "";
            } catch (error) {
              problem = `returned a result JSON cannot encode (${describeError(error)})`;
            }
          }
          if (!encodable) {
            this.logger.warn(`The handler of server request "${method}" ${problem}; sending the safe reply instead.`);
            this.replySafely(id, method, new Error(`the handler ${problem}`));
            return;
          }
          if (this.finish(id, controller)) this.sendReply({ id, result }, method);
        },
        (error: unknown) => {
          if (controller.signal.aborted) return;
          this.logger.error(
            `The handler of server request "${method}" threw; sending the safe reply instead: ${describeError(error)}`,
            error,
          );
          this.replySafely(id, method, error);
        },
      );
  }

  /** `serverRequest/resolved`: the server answered its request itself; its handler's signal aborts. */
  resolved(params: unknown): void {
    const requestId = (params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof requestId !== "number" && typeof requestId !== "string") return;
    const active = this.active.get(requestId);
    if (active === undefined) return;
    this.active.delete(requestId);
    active.controller.abort(new AbortError(`The server resolved its "${active.method}" request ${requestId} itself.`));
  }

  /** A turn's end also ends the questions it asked: nobody is waiting for their answers any more. */
  endTurn(turnId: string): void {
    for (const [requestId, active] of this.active) {
      if (active.turnId !== turnId) continue;
      this.active.delete(requestId);
      active.controller.abort(
        new AbortError(`Turn ${turnId} ended before the "${active.method}" request ${requestId} was answered.`),
      );
    }
  }

  /** The connection is gone: every handler's signal aborts with `error`, and no reply will be sent. */
  abortAll(error: unknown): void {
    for (const { controller } of this.active.values()) controller.abort(error);
    this.active.clear();
  }

  /** Forgets an answered server request; false if it no longer wants a reply (resolved by the server, or closed). */
  private finish(id: RequestId, controller: AbortController): boolean {
    if (this.active.get(id)?.controller === controller) this.active.delete(id);
    return !controller.signal.aborted && !this.isClosed();
  }

  private replySafely(id: RequestId, method: string, error: unknown): void {
    const active = this.active.get(id);
    if (active !== undefined && !this.finish(id, active.controller)) return;
    if (active === undefined && this.isClosed()) return;
    const safe = (SAFE_SERVER_REQUEST_REPLIES as Record<string, unknown>)[method];
    if (safe !== undefined) {
      this.sendReply({ id, result: safe }, method);
      return;
    }
    const reply =
      error === undefined
        ? {
            code: -32601,
            message: `The client has no handler for "${method}"; register one with serverRequests or client.onServerRequest().`,
          }
        : { code: -32603, message: `The client's handler for "${method}" failed: ${describeError(error)}` };
    this.sendReply({ id, error: reply }, method);
  }

  private sendReply(message: { id: RequestId; result?: unknown; error?: unknown }, method: string): void {
    if (this.isClosed()) return;
    this.instrumentation?.serverReply?.(message);
    this.sendMessage(message).catch((error: unknown) => {
      this.logger.warn(`Could not send the reply to server request "${method}": ${describeError(error)}`);
    });
  }
}
