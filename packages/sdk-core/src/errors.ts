// Every error class of the SDK. Local failures (transport, runtime lookup, timeout, abort) are
// kept apart from wire errors (a JSON-RPC error object the server sent: `JsonRpcError` and its
// subclasses). Each message says what happened and what to do next.
// Which reply becomes which class, and what each error tells the user to do: docs/errors.md (the
// one table; check-published-docs fails when an exported class is missing there).

// biome-ignore lint/style/noRestrictedImports: a type only (OutputValidationError carries the turn's result); erased at runtime.
import type { TurnResult } from "./api/turn-result.js";
import { classifyStderrLine } from "./stderr-lines.js";

const BRAND = Symbol.for("codex.sdk.error");

type ErrorClass = { readonly errorKind: string; readonly prototype: object };

/** Collects `errorKind` of `target` and of every SDK class it extends, most derived first. */
function kindsOf(target: abstract new (...args: never[]) => object): readonly string[] {
  const kinds: string[] = [];
  for (let current: unknown = target; typeof current === "function"; current = Object.getPrototypeOf(current)) {
    if (Object.hasOwn(current, "errorKind")) kinds.push((current as unknown as ErrorClass).errorKind);
    if (current === CodexError) break;
  }
  return kinds;
}

/** Options shared by every SDK error constructor. */
export interface CodexErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base class of every error the SDK throws.
 *
 * Use `CodexError.isInstance(err)` (or `TransportClosedError.isInstance(err)`, ...) rather than
 * `instanceof`: it also recognises errors created by another copy of this package (two versions
 * installed side by side, or the ESM and CommonJS builds loaded together).
 */
export class CodexError extends Error {
  /** Stable name of this class, used by `isInstance()` across package copies. */
  static readonly errorKind: string = "CodexError";

  constructor(message: string, options?: CodexErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const kinds = kindsOf(new.target);
    Object.defineProperty(this, BRAND, { value: kinds, enumerable: false });
    Object.defineProperty(this, "name", {
      value: kinds[0] ?? "CodexError",
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }

  /**
   * True if `value` is an instance of this class (or a subclass), also when it was created by a
   * different copy of the SDK.
   */
  static isInstance<T extends object>(
    this: { readonly errorKind: string; readonly prototype: T },
    value: unknown,
  ): value is T {
    if (typeof value !== "object" || value === null) return false;
    const kinds = (value as Record<symbol, unknown>)[BRAND];
    return Array.isArray(kinds) && kinds.includes(this.errorKind);
  }
}

/** Options of `JsonRpcError` and its subclasses. */
export interface JsonRpcErrorOptions extends CodexErrorOptions {
  /** The client request method that got this error reply, when known. */
  method?: string | undefined;
}

/**
 * The server answered a request with a JSON-RPC error object. `code`, `data` and
 * `serverMessage` are exactly what the server sent.
 */
export class JsonRpcError extends CodexError {
  static override readonly errorKind: string = "JsonRpcError";
  /** JSON-RPC error code (e.g. -32600). */
  readonly code: number;
  /** The `data` member of the error object, if the server sent one. */
  readonly data: unknown;
  /** The server's own message, unchanged. */
  readonly serverMessage: string;
  /** The request method this error answers, when known. */
  readonly method: string | undefined;

  constructor(code: number, serverMessage: string, data?: unknown, options?: JsonRpcErrorOptions) {
    super(describeRpcError(new.target, code, serverMessage, data, options?.method), options);
    this.code = code;
    this.data = data;
    this.serverMessage = serverMessage;
    this.method = options?.method;
  }
}

/** -32700: the server could not parse what the client sent. */
export class ParseError extends JsonRpcError {
  static override readonly errorKind: string = "ParseError";
}
/** -32600 (other than the cases mapped to `MethodNotFoundError` / `InvalidParamsError`). */
export class InvalidRequestError extends JsonRpcError {
  static override readonly errorKind: string = "InvalidRequestError";
}
/** -32603: the server failed while handling the request. */
export class InternalRpcError extends JsonRpcError {
  static override readonly errorKind: string = "InternalRpcError";
}
/**
 * The server does not know the method: -32601, or -32600 "unknown variant `<method>`", which is
 * what codex app-server really sends. Not retryable: the method needs a newer server.
 */
export class MethodNotFoundError extends JsonRpcError {
  static override readonly errorKind: string = "MethodNotFoundError";
}
/**
 * The params were rejected: -32602, or -32600 "Invalid request: missing field / invalid type /
 * unknown variant ...", which is what codex app-server really sends. Not retryable: fix the input.
 */
export class InvalidParamsError extends JsonRpcError {
  static override readonly errorKind: string = "InvalidParamsError";
}
/** The server is overloaded (-32001, or `data` flagged `server_overloaded`). Retry after a delay. */
export class ServerBusyError extends JsonRpcError {
  static override readonly errorKind: string = "ServerBusyError";
}
/** The server exhausted its own retries (its message mentions a retry limit). */
export class RetryLimitExceededError extends ServerBusyError {
  static override readonly errorKind: string = "RetryLimitExceededError";
}

/** What is known about a closed transport. */
export interface TransportCloseDetails {
  /** Exit code of the app-server process, or null (still running, killed by a signal, or not a process). */
  exitCode?: number | null | undefined;
  /** Signal that ended the process (e.g. "SIGKILL"), or null. */
  signal?: string | null | undefined;
  /** The last lines the process wrote to stderr ("" when none or not a process). */
  stderrTail?: string | undefined;
  /** Why the transport closed, in words (e.g. "closed by the client"). */
  reason?: string | undefined;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The connection to the app-server is gone: the process exited or was killed, stdout closed, or
 * the client was closed. Carries the exit code, signal and the tail of stderr.
 */
export class TransportClosedError extends CodexError {
  static override readonly errorKind: string = "TransportClosedError";
  /** Exit code of the app-server process, or null. */
  readonly exitCode: number | null;
  /** Signal that ended the process, or null. */
  readonly signal: string | null;
  /** The last lines the process wrote to stderr. */
  readonly stderrTail: string;
  /** Why the transport closed, in words. */
  readonly reason: string | undefined;

  constructor(details: TransportCloseDetails = {}) {
    const exitCode = details.exitCode ?? null;
    const signal = details.signal ?? null;
    const stderrTail = details.stderrTail ?? "";
    super(describeClose(exitCode, signal, stderrTail, details.reason), { cause: details.cause });
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
    this.reason = details.reason;
  }
}

/** Details of a refused connection. */
export interface AuthenticationDetails extends CodexErrorOptions {
  /** The URL that refused the connection (never with the token). */
  url: string;
  /** The HTTP status of the refused upgrade (401 or 403). */
  status: number;
  /** Whether the SDK sent a token at all. */
  tokenSent: boolean;
}

/**
 * An app-server refused the connection: a missing or wrong token (HTTP 401 on the WebSocket
 * upgrade), or a refused request (403, e.g. one carrying an `Origin` header). The message names
 * the URL and what to check; it never contains the token. Not retryable with the same token.
 */
export class AuthenticationError extends CodexError {
  static override readonly errorKind: string = "AuthenticationError";
  /** The URL that refused the connection. */
  readonly url: string;
  /** The HTTP status of the refused upgrade. */
  readonly status: number;
  /** Whether a token was sent. */
  readonly tokenSent: boolean;

  constructor(message: string, details: AuthenticationDetails) {
    super(message, { cause: details.cause });
    this.url = details.url;
    this.status = details.status;
    this.tokenSent = details.tokenSent;
  }
}

/** Details of a missing or unusable codex runtime. */
export interface RuntimeNotFoundDetails extends CodexErrorOptions {
  /** The runtime package expected for this platform (e.g. "@codex/cli-bin-linux-x64"), if any. */
  packageName?: string | undefined;
  /** The path that was tried, if any. */
  path?: string | undefined;
  /** What to do about it, one sentence. */
  fix: string;
}

/** The codex binary could not be found or started (missing runtime package, bad `codexBin`, no permission). */
export class RuntimeNotFoundError extends CodexError {
  static override readonly errorKind: string = "RuntimeNotFoundError";
  /** The runtime package expected for this platform, if relevant. */
  readonly packageName: string | undefined;
  /** The path that was tried, if any. */
  readonly path: string | undefined;
  /** What to do about it. */
  readonly fix: string;

  constructor(problem: string, details: RuntimeNotFoundDetails) {
    super(`${problem} ${details.fix}`, details);
    this.packageName = details.packageName;
    this.path = details.path;
    this.fix = details.fix;
  }
}

/** Details of a server whose version does not match what the SDK was generated from. */
export interface IncompatibleServerDetails extends CodexErrorOptions {
  /** The server's version, as reported (null if it could not be parsed). */
  serverVersion: string | null;
  /** The version (or minimum version) the SDK needs. */
  requiredVersion: string;
}

/**
 * The codex runtime is of a version the SDK does not run: not the exact version `@codex/sdk` is
 * pinned to (found before spawning it), or a server older than the protocol the SDK was generated
 * from (found in `initialize`). A binary that cannot tell its version (`--version` fails) is a
 * `RuntimeNotFoundError` instead.
 */
export class IncompatibleServerError extends CodexError {
  static override readonly errorKind: string = "IncompatibleServerError";
  /** The server's version, as reported. */
  readonly serverVersion: string | null;
  /** The version the SDK needs. */
  readonly requiredVersion: string;

  constructor(details: IncompatibleServerDetails, message?: string) {
    super(
      message ??
        `The codex app-server reports version ${details.serverVersion ?? "(unknown)"}, but this SDK needs ${details.requiredVersion}. Install the matching runtime, or pass a codexBin of that version.`,
      details,
    );
    this.serverVersion = details.serverVersion;
    this.requiredVersion = details.requiredVersion;
  }
}

/** A request (or other operation) did not finish within its time limit. */
export class TimeoutError extends CodexError {
  static override readonly errorKind: string = "TimeoutError";
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** The request method, when the timeout is a request's. */
  readonly method: string | undefined;

  constructor(timeoutMs: number, method?: string, message?: string) {
    super(
      message ??
        (method === undefined
          ? `The operation did not finish within ${timeoutMs} ms.`
          : `The app-server did not answer "${method}" within ${timeoutMs} ms. Raise timeoutMs (or requestTimeoutMs), or check the server's stderr: an overloaded server can drop replies.`),
    );
    this.timeoutMs = timeoutMs;
    this.method = method;
  }
}

/**
 * Input the SDK checks before sending (a run input, an option, request params that JSON cannot
 * encode such as a `BigInt`, a cycle or a throwing `toJSON`) is invalid; nothing was sent.
 * Not retryable: fix the input.
 */
export class InvalidInputError extends CodexError {
  static override readonly errorKind: string = "InvalidInputError";
}

/**
 * A turn with an `outputSchema` completed, but its final answer is not JSON or does not validate
 * against the schema. `text` is the answer, `issues` says what is wrong (the schema library's
 * issues, or one issue for an answer that is not JSON), and `result` is the whole `TurnResult`
 * (with `output: null`). Not retryable as such: run the turn again (the model may answer
 * differently), or tell the model more precisely what to answer.
 */
export class OutputValidationError extends CodexError {
  static override readonly errorKind: string = "OutputValidationError";
  /** The final answer that did not validate ("" when the turn produced none). */
  readonly text: string;
  /** What is wrong with it, each with a `message` and, from a schema library, a `path`. */
  readonly issues: readonly OutputValidationIssue[];
  /** The turn's result, `output` left `null`. */
  readonly result: TurnResult<null>;

  constructor(
    text: string,
    issues: readonly OutputValidationIssue[],
    result: TurnResult<null>,
    options?: CodexErrorOptions,
  ) {
    super(describeOutputIssues(result.id, issues), options);
    this.text = text;
    this.issues = issues;
    this.result = result;
  }
}

/** One problem of an answer that failed its `outputSchema` (a Standard Schema issue). */
export interface OutputValidationIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

function describeOutputIssues(turnId: string, issues: readonly OutputValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" ? segment.key : segment))
      .join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : "";
  return (
    `The final answer of turn ${turnId} does not match its outputSchema: ${shown.join("; ")}${more}. ` +
    "The answer is in error.text and the whole turn in error.result; run the turn again, or describe the expected answer in the prompt."
  );
}

/**
 * A `notifications()` iterator held more unread notifications than its `maxBuffered` option
 * allows: the consumer stopped reading. The iterator ends with this error (after the buffered
 * notifications) and stops collecting, so memory stays bounded; the connection is unaffected.
 */
export class NotificationBufferOverflowError extends CodexError {
  static override readonly errorKind: string = "NotificationBufferOverflowError";
}

/** An operation was cancelled through an `AbortSignal`. Its `name` is "AbortError", like the DOM's. */
export class AbortError extends CodexError {
  static override readonly errorKind: string = "AbortError";

  constructor(message = "The operation was aborted.", options?: CodexErrorOptions) {
    super(message, options);
  }
}

/** The AbortError for `signal`, keeping its reason as `cause`. */
export function abortErrorFrom(signal: AbortSignal, what?: string): AbortError {
  const reason: unknown = signal.reason;
  // `AbortSignal.timeout(ms)` and `controller.abort(new Error("why"))` say why; pass that on.
  const why =
    reason instanceof Error && reason.name !== "AbortError" && reason.message !== ""
      ? ` (${reason.message})`
      : typeof reason === "string" && reason !== ""
        ? ` (${reason})`
        : "";
  return new AbortError(`${what === undefined ? "The operation" : what} was aborted${why}.`, { cause: reason });
}

/**
 * An aborted turn could not be confirmed stopped: the server did not accept `turn/interrupt`
 * (it stayed overloaded through the retries, or answered with another error). The turn may
 * still be running on the server. `cause` is the server's reply; `turnId` and `threadId` say
 * which turn. Call `turn.interrupt()` again later, or watch the thread for its `turn/completed`.
 */
export class InterruptFailedError extends CodexError {
  static override readonly errorKind: string = "InterruptFailedError";
  /** The thread of the turn. */
  readonly threadId: string;
  /** The turn that may still be running. */
  readonly turnId: string;

  constructor(threadId: string, turnId: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `Turn ${turnId} was aborted, but the server did not confirm the interrupt, so the turn may still be running: ${why.replace(/[.!?…]+$/, "")}. ` +
        `Call turn.interrupt() again later, or wait for the thread's turn/completed.`,
      { cause },
    );
    this.threadId = threadId;
    this.turnId = turnId;
  }
}

/**
 * A turn's events stopped reaching this client before its `turn/completed`: its thread was
 * closed (`thread/closed`), unsubscribed (`thread/unsubscribe`), archived or deleted. The turn's
 * outcome is unknown here. `thread.read({ includeTurns: true })` after `codex.threadResume(id)`
 * shows what happened to it.
 */
export class TurnLostError extends CodexError {
  static override readonly errorKind: string = "TurnLostError";
  /** The thread of the turn. */
  readonly threadId: string;
  /** The lost turn, or undefined when `turn/start` had not been answered yet. */
  readonly turnId: string | undefined;

  constructor(threadId: string, turnId: string | undefined, reason: string) {
    super(
      `${turnId === undefined ? "A turn being started" : `Turn ${turnId}`} on thread ${threadId} was lost: ${reason}, so its turn/completed will never reach this client. ` +
        `Resume the thread (codex.threadResume(id)) and read it (thread.read({ includeTurns: true })) to see how the turn ended.`,
    );
    this.threadId = threadId;
    this.turnId = turnId;
  }
}

/** Text of the JSON-RPC error codes the SDK knows. */
export const JSON_RPC_ERROR_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  serverOverloaded: -32001,
} as const;

/** The JSON-RPC error object as it appears on the wire. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * Builds the typed error for a JSON-RPC error reply, applying what codex app-server really sends:
 * unknown methods and bad params come back as -32600 and are told apart by their message.
 */
export function createJsonRpcError(error: JsonRpcErrorObject, method?: string): JsonRpcError {
  const { code, message, data } = error;
  const options = { method };
  switch (code) {
    case -32700:
      return new ParseError(code, message, data, options);
    case -32601:
      return new MethodNotFoundError(code, message, data, options);
    case -32602:
      return new InvalidParamsError(code, message, data, options);
    case -32603:
      return new InternalRpcError(code, message, data, options);
    case -32001:
      return mentionsRetryLimit(message)
        ? new RetryLimitExceededError(code, message, data, options)
        : new ServerBusyError(code, message, data, options);
    case -32600: {
      if (isOverloaded(data)) {
        return mentionsRetryLimit(message)
          ? new RetryLimitExceededError(code, message, data, options)
          : new ServerBusyError(code, message, data, options);
      }
      const kind = classifyInvalidRequest(message, method);
      if (kind === "method") return new MethodNotFoundError(code, message, data, options);
      if (kind === "params") return new InvalidParamsError(code, message, data, options);
      return new InvalidRequestError(code, message, data, options);
    }
  }
  if (isOverloaded(data)) {
    return mentionsRetryLimit(message)
      ? new RetryLimitExceededError(code, message, data, options)
      : new ServerBusyError(code, message, data, options);
  }
  return new JsonRpcError(code, message, data, options);
}

/**
 * Tells apart the -32600 replies of codex app-server. serde reports an unknown method as
 * "unknown variant `<method>`", and the same words for a bad enum value inside params: only
 * the variant equal to the requested method means the method is unknown.
 */
function classifyInvalidRequest(message: string, method: string | undefined): "method" | "params" | undefined {
  if (!message.startsWith("Invalid request:")) return undefined;
  const variant = /unknown variant `([^`]*)`/.exec(message)?.[1];
  if (variant !== undefined) {
    if (method === undefined || variant === method) return "method";
    return "params";
  }
  if (/missing field `params`/.test(message)) return undefined;
  if (/missing field|invalid type|invalid value|invalid length|unknown field|duplicate field|expected /.test(message)) {
    return "params";
  }
  return undefined;
}

function mentionsRetryLimit(message: string): boolean {
  const lower = message.toLowerCase();
  return lower.includes("retry limit") || lower.includes("too many failed attempts");
}

/** True when an error `data` member says the server is overloaded, at any depth. */
export function isOverloaded(data: unknown, depth = 0): boolean {
  if (data === null || data === undefined || depth > 4) return false;
  if (typeof data === "string") {
    const lower = data.toLowerCase();
    return lower === "server_overloaded" || lower === "serveroverloaded";
  }
  if (Array.isArray(data)) return data.some((value) => isOverloaded(value, depth + 1));
  if (typeof data === "object") {
    for (const value of Object.values(data)) if (isOverloaded(value, depth + 1)) return true;
  }
  return false;
}

function describeRpcError(
  kind: abstract new (...args: never[]) => object,
  code: number,
  serverMessage: string,
  data: unknown,
  method: string | undefined,
): string {
  const what = method === undefined ? "The app-server" : `The app-server rejected "${method}"`;
  // An unknown method's reply lists every method the server knows (thousands of characters);
  // `serverMessage` keeps it whole.
  const shown = serverMessage.length > 300 ? `${serverMessage.slice(0, 300)}…` : serverMessage;
  // The server's own message may already end a sentence; the next step follows after one full stop.
  const base = `${what} (${code}): ${shown.replace(/[.!?…]+$/, "")}`;
  if (kind === MethodNotFoundError) {
    return `${base}. This server does not know the method: check its spelling, or run a codex version that has it (experimental methods also need capabilities.experimentalApi).`;
  }
  if (kind === InvalidParamsError) return `${base}. Fix the params; retrying will not help.`;
  if (kind === RetryLimitExceededError)
    return `${base}. The server gave up after its own retries; wait before trying again.`;
  if (kind === ServerBusyError) {
    return `${base}. The server is overloaded: retry later (retryOnOverload does this) or send fewer requests at once (maxInFlight).`;
  }
  if (kind === ParseError) {
    return `${base}. The server could not parse what the SDK sent, which is a bug of the SDK (or of a custom transport): please report it with a protocol trace (trace: true).`;
  }
  if (kind === InternalRpcError) {
    return `${base}. The server failed while handling the request; its stderr (passed to the logger option) tells why.`;
  }
  const hint = kind === InvalidRequestError ? invalidRequestHint(serverMessage, data) : undefined;
  return hint === undefined ? `${base}.` : `${base}. ${hint}`;
}

/** What to do about the -32600 replies codex app-server is known to send. */
function invalidRequestHint(serverMessage: string, data: unknown): string | undefined {
  const reason = typeof data === "object" && data !== null ? (data as { reason?: unknown }).reason : undefined;
  if (reason === "serverShuttingDown") return "The app-server is shutting down: start a new Codex to go on.";
  if (/^not initialized/i.test(serverMessage))
    return "Send initialize (and then initialized) first; Codex.start() does both.";
  if (/^already initialized/i.test(serverMessage))
    return "initialize is sent once per connection, and Codex.start() has sent it.";
  if (/thread not found|no rollout found/i.test(serverMessage)) {
    return "Check the thread id (codex.threadList() lists stored threads); a thread this app-server has not loaded needs codex.threadResume(id) first.";
  }
  if (/no active turn/i.test(serverMessage)) return "The turn has already ended (or has not started yet).";
  if (/expected active turn id/i.test(serverMessage))
    return "That turn is no longer the thread's active turn: steer the turn that is running, or start a new one.";
  if (/requires experimentalApi/i.test(serverMessage))
    return "Start Codex with experimentalApi: true (the default) to use it.";
  return undefined;
}

function describeClose(
  exitCode: number | null,
  signal: string | null,
  stderrTail: string,
  reason: string | undefined,
): string {
  let how: string;
  if (signal !== null) how = `was killed by ${signal}`;
  else if (exitCode !== null) how = `exited with code ${exitCode}`;
  else if (reason?.startsWith("could not connect") === true) how = "could not be reached";
  else how = "closed the connection";
  let message = `The codex app-server ${how}${reason === undefined ? "" : ` (${reason})`}.`;
  if (reason === "closed by the client") return `${message} Start a new Codex (or client) to send more requests.`;
  // Lines about things codex works around itself would read like the cause: they stay in
  // `stderrTail` but not in the message.
  const lines = stderrTail.trimEnd() === "" ? [] : stderrTail.trimEnd().split("\n");
  const shown = lines.filter((line) => !classifyStderrLine(line).harmless);
  const leftOut = lines.length - shown.length;
  if (shown.length > 0) message += `\nLast lines of its stderr:\n${shown.join("\n")}`;
  else if (exitCode !== null && exitCode !== 0) {
    message += ` It wrote nothing to stderr${leftOut > 0 ? " that explains it" : ""}; run it by hand with RUST_LOG=info to see why.`;
  }
  if (leftOut > 0)
    message += `\n(${leftOut} harmless stderr line(s) left out, e.g. about the bundled bubblewrap; stderrTail has them all.)`;
  return message;
}
