// The scripted replies of the fake model, as plain data, and the `reply` builders that make them.
// A reply says what one POST /responses gets back: a streamed answer, a tool call, or one of the
// failures codex has to cope with (HTTP errors, `response.failed`, malformed events, a dropped or
// hanging stream).

/** Token usage reported by `response.completed`, in the Responses API's own shape. */
export interface FakeUsage {
  inputTokens: number;
  cachedInputTokens?: number;
  outputTokens: number;
  reasoningOutputTokens?: number;
}

/** One server-sent event: `event: <type>` and `data: <JSON of data>` (or `data` verbatim when a string). */
export interface SseEvent {
  type: string;
  /** The JSON payload; `type` is added to it when missing. A string is sent verbatim (for malformed data). */
  data: Record<string, unknown> | string;
}

/** Options shared by every reply that streams events. */
export interface StreamOptions {
  /** Milliseconds to wait before each event after the first. Bounded by the fake's `maxStreamMs`. */
  delayMs?: number;
  /** Usage sent with `response.completed`; `null` sends none. Default: a small fixed usage. */
  usage?: FakeUsage | null;
}

/** A streamed assistant message, sent as `response.output_text.delta` chunks then the full item. */
export interface TextReply extends StreamOptions {
  kind: "text";
  text: string;
  /** The deltas, in order; they join to `text`. */
  chunks: string[];
}

/** A `function_call` output item (by default `exec_command`, the shell tool codex offers any model). */
export interface ToolCallReply extends StreamOptions {
  kind: "toolCall";
  name: string;
  /** The JSON-encoded arguments string, exactly as the model would send it. */
  arguments: string;
  callId: string;
  /** An optional assistant message streamed before the call. */
  text?: string;
}

/** A `custom_tool_call` to `apply_patch` (offered by codex only under a known model slug such as `gpt-5.5`). */
export interface ApplyPatchReply extends StreamOptions {
  kind: "applyPatch";
  patch: string;
  callId: string;
}

/** A non-200 HTTP answer instead of a stream. */
export interface HttpErrorReply {
  kind: "httpError";
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A stream that ends with `response.failed` carrying `error: { code, message }`. */
export interface FailedReply extends Omit<StreamOptions, "usage"> {
  kind: "failed";
  code: string;
  message: string;
  /** Text streamed as deltas before the failure. */
  partialText?: string;
}

/**
 * A stream carrying broken events, then ending. By default: a delta whose data is not JSON (codex
 * skips it) and a `response.completed` whose `response` is not an object (codex fails the turn
 * with "failed to parse ResponseCompleted").
 */
export interface MalformedReply extends Omit<StreamOptions, "usage"> {
  kind: "malformed";
  /** The broken events: `event:` name and raw `data:` payload. */
  events: Array<{ eventType: string; data: string }>;
}

/** A stream that starts, sends some text, and then loses its connection (the socket is destroyed). */
export interface DropReply extends Omit<StreamOptions, "usage"> {
  kind: "drop";
  partialText: string;
}

/** A stream that starts and then sends nothing more, until codex gives up or `maxMs` passes. */
export interface HangReply extends Omit<StreamOptions, "usage"> {
  kind: "hang";
  partialText: string;
  /** When the fake itself gives up and destroys the socket. Bounded by the fake's `maxHangMs`. */
  maxMs?: number;
}

/** Arbitrary SSE events, for what the other builders do not cover. */
export interface EventsReply extends Omit<StreamOptions, "usage"> {
  kind: "events";
  events: SseEvent[];
  /** What happens after the last event: end the response (default), destroy the socket, or hang. */
  ending: "end" | "destroy" | "hang";
}

/** Everything the fake model can answer to one request. */
export type FakeReply =
  | TextReply
  | ToolCallReply
  | ApplyPatchReply
  | HttpErrorReply
  | FailedReply
  | MalformedReply
  | DropReply
  | HangReply
  | EventsReply;

/**
 * Splits text into word-sized deltas (each word keeps its trailing whitespace), so a reply streams
 * in several chunks.
 */
export function splitIntoChunks(text: string): string[] {
  const chunks = text.match(/\S+\s*|\s+/g);
  return chunks && chunks.length > 0 ? chunks : [text];
}

let callCounter = 0;
function nextCallId(): string {
  callCounter += 1;
  return `call_fake_${callCounter}`;
}

/** Options of {@link reply.text}. */
export interface TextOptions extends StreamOptions {
  /** The deltas to stream; they must join to the text. Default: one chunk per word. */
  chunks?: string[];
}

/** Options of {@link reply.toolCall}: the `exec_command` arguments, or any function call. */
export interface ToolCallOptions extends StreamOptions {
  /** The shell command for `exec_command`. */
  cmd?: string;
  /** Working directory for `exec_command`. */
  workdir?: string;
  /** How long `exec_command` waits for output before returning (codex's `yield_time_ms`). */
  yieldTimeMs?: number;
  /** `"require_escalated"` asks for an approval under `approvalPolicy: "on-request"`. */
  sandboxPermissions?: string;
  /** Justification shown in an escalation approval request. */
  justification?: string;
  /** Function name (default `exec_command`). */
  name?: string;
  /** Full arguments object (or JSON string); replaces the fields above. */
  arguments?: Record<string, unknown> | string;
  /** The call id codex echoes back in `function_call_output` (default: a fresh `call_fake_<n>`). */
  callId?: string;
  /** An assistant message streamed before the call. */
  text?: string;
}

/** Options of {@link reply.httpError}. */
export interface HttpErrorOptions {
  /** Seconds, sent as the `retry-after` header. */
  retryAfter?: number;
  /** The OpenAI-style `error.message`. */
  message?: string;
  /** The OpenAI-style `error.code` (e.g. `"insufficient_quota"`, `"rate_limit_exceeded"`). */
  code?: string | null;
  /** The OpenAI-style `error.type`. */
  type?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** A raw body instead of the OpenAI-style error object. */
  body?: string;
}

const DEFAULT_STATUS_TEXT: Record<number, { type: string; code: string | null; message: string }> = {
  400: {
    type: "invalid_request_error",
    code: "invalid_request",
    message: "Invalid request (scripted by the fake model).",
  },
  401: {
    type: "invalid_request_error",
    code: "invalid_api_key",
    message: "Incorrect API key provided (scripted by the fake model).",
  },
  403: { type: "invalid_request_error", code: "forbidden", message: "Forbidden (scripted by the fake model)." },
  404: { type: "invalid_request_error", code: "not_found", message: "Not found (scripted by the fake model)." },
  429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached (scripted by the fake model)." },
  500: { type: "server_error", code: "server_error", message: "The server had an error (scripted by the fake model)." },
  503: {
    type: "server_error",
    code: "server_overloaded",
    message: "The server is overloaded (scripted by the fake model).",
  },
};

/**
 * Builders for {@link FakeReply} values, to pass to `FakeModel.enqueue()`.
 *
 * ```ts
 * fake.enqueue(reply.text("Hello!", { chunks: ["Hel", "lo!"] }), reply.httpError(429, { retryAfter: 1 }));
 * ```
 */
export const reply = {
  /** A streamed assistant message. `chunks`, when given, must join to `text`. */
  text(text: string, options: TextOptions = {}): TextReply {
    const chunks = options.chunks ?? splitIntoChunks(text);
    if (chunks.join("") !== text) {
      throw new TypeError(
        `reply.text: chunks ${JSON.stringify(chunks)} do not join to the text ${JSON.stringify(text)}.`,
      );
    }
    return { kind: "text", text, chunks: [...chunks], ...streamOptions(options) };
  },

  /** A text reply with a pause before every event (default 100 ms): a slow but healthy stream. */
  slow(text: string, options: TextOptions = {}): TextReply {
    return reply.text(text, { delayMs: 100, ...options });
  },

  /**
   * A function call; by default `exec_command` with `{ cmd }`, which codex runs and answers with
   * `function_call_output`.
   */
  toolCall(options: ToolCallOptions): ToolCallReply {
    let args: string;
    if (typeof options.arguments === "string") args = options.arguments;
    else if (options.arguments) args = JSON.stringify(options.arguments);
    else {
      if (options.cmd === undefined) throw new TypeError("reply.toolCall: give `cmd` or `arguments`.");
      const fields: Record<string, unknown> = { cmd: options.cmd };
      if (options.workdir !== undefined) fields["workdir"] = options.workdir;
      if (options.yieldTimeMs !== undefined) fields["yield_time_ms"] = options.yieldTimeMs;
      if (options.sandboxPermissions !== undefined) fields["sandbox_permissions"] = options.sandboxPermissions;
      if (options.justification !== undefined) fields["justification"] = options.justification;
      args = JSON.stringify(fields);
    }
    const result: ToolCallReply = {
      kind: "toolCall",
      name: options.name ?? "exec_command",
      arguments: args,
      callId: options.callId ?? nextCallId(),
      ...streamOptions(options),
    };
    if (options.text !== undefined) result.text = options.text;
    return result;
  },

  /** An `apply_patch` custom tool call with the patch text (`*** Begin Patch` ... `*** End Patch`). */
  applyPatch(patch: string, options: StreamOptions & { callId?: string } = {}): ApplyPatchReply {
    return { kind: "applyPatch", patch, callId: options.callId ?? nextCallId(), ...streamOptions(options) };
  },

  /** An HTTP error status with an OpenAI-style JSON error body (and `retry-after` when given). */
  httpError(status: number, options: HttpErrorOptions = {}): HttpErrorReply {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`reply.httpError: ${status} is not an HTTP error status (400-599).`);
    }
    const defaults = DEFAULT_STATUS_TEXT[status] ?? {
      type: "error",
      code: null,
      message: `HTTP ${status} (scripted by the fake model).`,
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
    const body =
      options.body ??
      JSON.stringify({
        error: {
          message: options.message ?? defaults.message,
          type: options.type ?? defaults.type,
          param: null,
          code: options.code === undefined ? defaults.code : options.code,
        },
      });
    if (options.body === undefined && headers["content-type"] === undefined)
      headers["content-type"] = "application/json";
    return { kind: "httpError", status, headers, body };
  },

  /** A stream that ends with `response.failed` (default code `server_error`). */
  failed(options: { code?: string; message?: string; partialText?: string; delayMs?: number } = {}): FailedReply {
    const result: FailedReply = {
      kind: "failed",
      code: options.code ?? "server_error",
      message: options.message ?? "The response failed (scripted by the fake model).",
    };
    if (options.partialText !== undefined) result.partialText = options.partialText;
    if (options.delayMs !== undefined) result.delayMs = options.delayMs;
    return result;
  },

  /**
   * A stream with broken events (see {@link MalformedReply}). With `data`, sends just that raw
   * payload as one `eventType` event (default `response.output_text.delta`) and ends the stream.
   */
  malformed(options: { data?: string; eventType?: string; delayMs?: number } = {}): MalformedReply {
    const events =
      options.data !== undefined
        ? [{ eventType: options.eventType ?? "response.output_text.delta", data: options.data }]
        : [
            { eventType: "response.output_text.delta", data: '{"type":"response.output_text.delta","delta":' },
            { eventType: "response.completed", data: '{"type":"response.completed","response":"malformed"}' },
          ];
    const result: MalformedReply = { kind: "malformed", events };
    if (options.delayMs !== undefined) result.delayMs = options.delayMs;
    return result;
  },

  /** A stream that sends some text and then drops the connection. */
  drop(options: { partialText?: string; delayMs?: number } = {}): DropReply {
    const result: DropReply = { kind: "drop", partialText: options.partialText ?? "Partial answer" };
    if (options.delayMs !== undefined) result.delayMs = options.delayMs;
    return result;
  },

  /** A stream that starts and then goes silent (codex's `stream_idle_timeout_ms` ends it). */
  hang(options: { partialText?: string; maxMs?: number } = {}): HangReply {
    const result: HangReply = { kind: "hang", partialText: options.partialText ?? "" };
    if (options.maxMs !== undefined) result.maxMs = options.maxMs;
    return result;
  },

  /** Arbitrary events, then end (default), destroy the socket, or hang. */
  events(events: SseEvent[], options: { ending?: "end" | "destroy" | "hang"; delayMs?: number } = {}): EventsReply {
    const result: EventsReply = { kind: "events", events: [...events], ending: options.ending ?? "end" };
    if (options.delayMs !== undefined) result.delayMs = options.delayMs;
    return result;
  },
};

function streamOptions(options: StreamOptions): StreamOptions {
  const result: StreamOptions = {};
  if (options.delayMs !== undefined) result.delayMs = options.delayMs;
  if (options.usage !== undefined) result.usage = options.usage;
  return result;
}
