// OpenTelemetry tracing of a Codex client: a span per request, a span per turn following the
// generative-AI agent conventions (`invoke_agent`), the turn's items as span events, the
// server's requests (approvals, questions) as child spans of their turn with the answer, and the
// W3C trace context of each request sent in its envelope's `trace` field, so the app-server's
// own spans join the caller's trace.

import {
  context as otelContext,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Attributes, Context, Span, Tracer, TracerProvider } from "@opentelemetry/api";
import type { W3cTraceContext } from "@codex/protocol-types";
import { SDK_VERSION } from "../api/version.js";
import type { Notification } from "../notification.js";
import type {
  ClientInstrumentation,
  RequestObservation,
  RequestOutcome,
  ServerRequestReply,
  ServerRequestStart,
} from "../rpc/instrumentation.js";

/** The instrumentation scope name of every span this module makes. */
export const INSTRUMENTATION_SCOPE = "@codex/sdk";

/** Options of {@link openTelemetryInstrumentation}. */
export interface OpenTelemetryOptions {
  /** The tracer to use. Default: `tracerProvider`'s, else the global provider's, scope `@codex/sdk`. */
  tracer?: Tracer | undefined;
  /**
   * Where the tracer comes from when `tracer` is not given. Default: the global provider
   * (`trace.getTracerProvider()`).
   */
  tracerProvider?: TracerProvider | undefined;
  /**
   * Record what people and the model wrote: commands (`codex.command`), agent-message text
   * (`codex.item.text`) and the turn's input text (`codex.turn.input`). Default false: spans carry
   * ids, types, statuses and counts only, since prompts and commands may hold secrets.
   */
  captureContent?: boolean | undefined;
  /** `gen_ai.agent.name` of turn spans, and their name (`invoke_agent <agentName>`). Default `"codex"`. */
  agentName?: string | undefined;
  /** Requests that get no span (e.g. frequent polling). Their `trace` field is not sent either. Default none. */
  ignoreMethods?: readonly string[] | undefined;
}

interface ThreadInfo {
  model: string | undefined;
  provider: string | undefined;
}

interface TurnState {
  span: Span;
  context: Context;
  threadId: string;
  turnId: string | undefined;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  items: number;
  ended: boolean;
}

interface ServerRequestState {
  span: Span;
  method: string;
  onAbort: () => void;
  signal: AbortSignal;
}

/** Threads remembered for their model and provider; the oldest are forgotten beyond this. */
const MAX_THREADS = 1000;

/**
 * Tracing of a Codex client with OpenTelemetry. Pass the result as `instrumentation`:
 *
 * ```ts
 * import { Codex } from "@codex/sdk";
 * import { openTelemetryInstrumentation } from "@codex/sdk/otel";
 *
 * await using codex = await Codex.start({ instrumentation: openTelemetryInstrumentation() });
 * ```
 *
 * Spans (all from the tracer of scope `@codex/sdk`):
 * - `codex.request <method>` (CLIENT) for every request, child of the active span when it was
 *   made (of its turn's span for requests naming a turn, e.g. `turn/interrupt`); `rpc.*`
 *   attributes, `error.type` and the JSON-RPC code on failure. Its W3C context goes to the
 *   server in the request's `trace` field.
 * - `invoke_agent codex` (CLIENT) for every turn this client starts, from `turn/start` to
 *   `turn/completed`: `gen_ai.operation.name`, `gen_ai.agent.name`, `gen_ai.provider.name`,
 *   `gen_ai.conversation.id` (the thread), `gen_ai.request.model`, `gen_ai.usage.*` (the turn's
 *   model calls added up), `gen_ai.response.finish_reasons` (the turn's status), `codex.turn.*`;
 *   ERROR status when the turn failed. Each item is a `codex.item.started` / `codex.item.completed`
 *   span event.
 * - `codex.server_request <method>` for every request of the server (approvals, questions),
 *   child of its turn's span, with the reply (`codex.approval.decision`) or why none was sent.
 *
 * Nothing of this runs unless it is passed: the root entry of the SDK never loads OpenTelemetry.
 */
export function openTelemetryInstrumentation(options: OpenTelemetryOptions = {}): ClientInstrumentation {
  return new OpenTelemetryInstrumentation(options);
}

class OpenTelemetryInstrumentation implements ClientInstrumentation {
  private readonly tracer: Tracer;
  private readonly captureContent: boolean;
  private readonly agentName: string;
  private readonly ignored: ReadonlySet<string>;
  private readonly threads = new Map<string, ThreadInfo>();
  /** Turns requested with `turn/start` whose id is not known yet, per thread, in request order. */
  private readonly startingTurns = new Map<string, TurnState[]>();
  private readonly turns = new Map<string, TurnState>();
  private readonly serverRequests = new Map<string | number, ServerRequestState>();

  constructor(options: OpenTelemetryOptions) {
    this.tracer =
      options.tracer ??
      (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE, SDK_VERSION);
    this.captureContent = options.captureContent === true;
    this.agentName = options.agentName ?? "codex";
    this.ignored = new Set(options.ignoreMethods ?? []);
  }

  request(method: string, params: unknown): RequestObservation | undefined {
    if (this.ignored.has(method)) return undefined;
    const fields = asRecord(params);
    const threadId = stringField(fields, "threadId");
    const turnId = stringField(fields, "turnId") ?? stringField(fields, "expectedTurnId");
    let parent = otelContext.active();
    const turnOfRequest = turnId === undefined ? undefined : this.turns.get(turnId);
    if (turnOfRequest !== undefined) parent = turnOfRequest.context;
    let starting: TurnState | undefined;
    if (method === "turn/start" && threadId !== undefined) {
      starting = this.startTurn(threadId, fields, parent);
      parent = starting.context;
    }
    const attributes: Attributes = { "rpc.system": "jsonrpc", "rpc.service": "codex.app-server", "rpc.method": method };
    if (threadId !== undefined) attributes["codex.thread.id"] = threadId;
    if (turnId !== undefined) attributes["codex.turn.id"] = turnId;
    const span = this.tracer.startSpan(`codex.request ${method}`, { kind: SpanKind.CLIENT, attributes }, parent);
    return {
      trace: traceContextOf(span),
      end: (outcome) => this.requestEnded(method, span, outcome, starting),
    };
  }

  serverRequest(start: ServerRequestStart): void {
    const fields = asRecord(start.params);
    const turnId = stringField(fields, "turnId");
    const turn = turnId === undefined ? undefined : this.turns.get(turnId);
    const attributes: Attributes = {
      "rpc.system": "jsonrpc",
      "rpc.method": start.method,
      "codex.server_request.id": String(start.requestId),
    };
    const threadId = stringField(fields, "threadId");
    if (threadId !== undefined) attributes["codex.thread.id"] = threadId;
    if (turnId !== undefined) attributes["codex.turn.id"] = turnId;
    const itemId = stringField(fields, "itemId");
    if (itemId !== undefined) attributes["codex.item.id"] = itemId;
    if (this.captureContent) {
      const command = fields?.["command"];
      if (typeof command === "string") attributes["codex.command"] = command;
      const reason = fields?.["reason"];
      if (typeof reason === "string") attributes["codex.server_request.reason"] = reason;
    }
    const span = this.tracer.startSpan(
      `codex.server_request ${start.method}`,
      { kind: SpanKind.SERVER, attributes },
      turn?.context ?? ROOT_CONTEXT,
    );
    const onAbort = (): void => {
      // The server resolved it itself, its turn ended, or the client closed: no reply was sent.
      const state = this.serverRequests.get(start.requestId);
      if (state === undefined || state.span !== span) return;
      this.serverRequests.delete(start.requestId);
      const reason = start.signal.reason as { message?: unknown } | undefined;
      span.setAttribute("codex.server_request.outcome", "unanswered");
      if (typeof reason?.message === "string")
        span.setAttribute("codex.server_request.unanswered_reason", reason.message);
      span.end();
    };
    this.serverRequests.set(start.requestId, { span, method: start.method, onAbort, signal: start.signal });
    if (start.signal.aborted) onAbort();
    else start.signal.addEventListener("abort", onAbort, { once: true });
  }

  serverReply(reply: ServerRequestReply): void {
    const state = this.serverRequests.get(reply.id);
    if (state === undefined) return;
    this.serverRequests.delete(reply.id);
    state.signal.removeEventListener("abort", state.onAbort);
    const { span } = state;
    if (reply.error !== undefined) {
      const error = asRecord(reply.error);
      span.setAttribute("codex.server_request.outcome", "error");
      const code = error?.["code"];
      if (typeof code === "number") span.setAttribute("rpc.jsonrpc.error_code", code);
      const message = error?.["message"];
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof message === "string" ? message : "error reply" });
    } else {
      span.setAttribute("codex.server_request.outcome", "answered");
      const decision = decisionOf(reply.result);
      if (decision !== undefined) span.setAttribute("codex.approval.decision", decision);
    }
    span.end();
  }

  notification(notification: Notification): void {
    const method = notification.method as string;
    const params = asRecord(notification.params);
    switch (method) {
      case "turn/started": {
        const threadId = stringField(params, "threadId");
        const turnId = stringField(asRecord(params?.["turn"]), "id");
        if (threadId !== undefined && turnId !== undefined && !this.turns.has(turnId)) {
          const starting = this.startingTurns.get(threadId)?.[0];
          if (starting !== undefined) this.bindTurn(starting, turnId);
        }
        return;
      }
      case "item/started":
      case "item/completed": {
        const turn = this.turnOf(params);
        if (turn === undefined) return;
        const item = asRecord(params?.["item"]);
        if (method === "item/completed") turn.items += 1;
        turn.span.addEvent(
          method === "item/started" ? "codex.item.started" : "codex.item.completed",
          this.itemAttributes(item),
        );
        return;
      }
      case "thread/tokenUsage/updated": {
        const turn = this.turnOf(params);
        const last = asRecord(asRecord(params?.["tokenUsage"])?.["last"]);
        if (turn === undefined || last === undefined) return;
        turn.inputTokens += numberField(last, "inputTokens");
        turn.cachedInputTokens += numberField(last, "cachedInputTokens");
        turn.outputTokens += numberField(last, "outputTokens");
        turn.reasoningOutputTokens += numberField(last, "reasoningOutputTokens");
        return;
      }
      case "error": {
        const turn = this.turnOf(params);
        if (turn === undefined) return;
        const error = asRecord(params?.["error"]);
        const attributes: Attributes = { "codex.error.will_retry": params?.["willRetry"] === true };
        const message = error?.["message"];
        if (typeof message === "string") attributes["codex.error.message"] = message;
        turn.span.addEvent("codex.error", attributes);
        return;
      }
      case "turn/completed": {
        const completed = asRecord(params?.["turn"]);
        const turnId = stringField(completed, "id");
        const turn = turnId === undefined ? undefined : this.turns.get(turnId);
        if (turn === undefined || turnId === undefined) return;
        this.turns.delete(turnId);
        this.endTurn(turn, completed);
        return;
      }
      default:
        return;
    }
  }

  closed(): void {
    for (const turn of this.turns.values()) this.endTurnUnfinished(turn, "the connection closed before turn/completed");
    for (const pending of this.startingTurns.values())
      for (const turn of pending) this.endTurnUnfinished(turn, "the connection closed before the turn started");
    this.turns.clear();
    this.startingTurns.clear();
  }

  // ---- turns -------------------------------------------------------------------------------

  private startTurn(threadId: string, params: Record<string, unknown> | undefined, parent: Context): TurnState {
    const thread = this.threads.get(threadId);
    const model = stringField(params, "model") ?? thread?.model;
    const attributes: Attributes = {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": this.agentName,
      "gen_ai.conversation.id": threadId,
      "gen_ai.output.type": params?.["outputSchema"] === undefined || params["outputSchema"] === null ? "text" : "json",
      "codex.thread.id": threadId,
    };
    if (model !== undefined) attributes["gen_ai.request.model"] = model;
    if (thread?.provider !== undefined) attributes["gen_ai.provider.name"] = thread.provider;
    const effort = stringField(params, "effort");
    if (effort !== undefined) attributes["codex.turn.effort"] = effort;
    if (this.captureContent) {
      const input = inputText(params?.["input"]);
      if (input !== undefined) attributes["codex.turn.input"] = input;
    }
    const span = this.tracer.startSpan(`invoke_agent ${this.agentName}`, { kind: SpanKind.CLIENT, attributes }, parent);
    const turn: TurnState = {
      span,
      context: trace.setSpan(parent, span),
      threadId,
      turnId: undefined,
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      reasoningOutputTokens: 0,
      items: 0,
      ended: false,
    };
    const pending = this.startingTurns.get(threadId);
    if (pending === undefined) this.startingTurns.set(threadId, [turn]);
    else pending.push(turn);
    return turn;
  }

  /** The turn's id is known (from `turn/started` or the `turn/start` reply, whichever came first). */
  private bindTurn(turn: TurnState, turnId: string): void {
    const pending = this.startingTurns.get(turn.threadId);
    if (pending !== undefined) {
      const index = pending.indexOf(turn);
      if (index !== -1) pending.splice(index, 1);
      if (pending.length === 0) this.startingTurns.delete(turn.threadId);
    }
    if (turn.turnId !== undefined || turn.ended) return;
    turn.turnId = turnId;
    turn.span.setAttribute("codex.turn.id", turnId);
    if (this.turns.has(turnId)) {
      // The server added this input to a turn already running (another turn/start on the same
      // thread): that turn's span covers it; this one ends here, saying so.
      turn.span.setAttribute("codex.turn.steered", true);
      turn.ended = true;
      turn.span.end();
      return;
    }
    this.turns.set(turnId, turn);
  }

  private endTurn(turn: TurnState, completed: Record<string, unknown> | undefined): void {
    if (turn.ended) return;
    turn.ended = true;
    const status = stringField(completed, "status") ?? "unknown";
    const span = turn.span;
    span.setAttributes({
      "gen_ai.response.finish_reasons": [status],
      "gen_ai.usage.input_tokens": turn.inputTokens,
      "gen_ai.usage.output_tokens": turn.outputTokens,
      "gen_ai.usage.cache_read.input_tokens": turn.cachedInputTokens,
      "codex.usage.reasoning_output_tokens": turn.reasoningOutputTokens,
      "codex.turn.status": status,
      "codex.turn.items": turn.items,
    });
    const durationMs = completed?.["durationMs"];
    if (typeof durationMs === "number") span.setAttribute("codex.turn.duration_ms", durationMs);
    if (status === "failed") {
      const error = asRecord(completed?.["error"]);
      const message = stringField(error, "message") ?? "the turn failed";
      span.setAttribute("error.type", errorTypeOf(error?.["codexErrorInfo"]));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
    }
    span.end();
  }

  private endTurnUnfinished(turn: TurnState, why: string): void {
    if (turn.ended) return;
    turn.ended = true;
    turn.span.setAttribute("error.type", "turn_unfinished");
    turn.span.setStatus({ code: SpanStatusCode.ERROR, message: why });
    turn.span.end();
  }

  private turnOf(params: Record<string, unknown> | undefined): TurnState | undefined {
    const turnId = stringField(params, "turnId");
    return turnId === undefined ? undefined : this.turns.get(turnId);
  }

  private itemAttributes(item: Record<string, unknown> | undefined): Attributes {
    const attributes: Attributes = {};
    const type = stringField(item, "type");
    if (type !== undefined) attributes["codex.item.type"] = type;
    const id = stringField(item, "id");
    if (id !== undefined) attributes["codex.item.id"] = id;
    const status = stringField(item, "status");
    if (status !== undefined) attributes["codex.item.status"] = status;
    const exitCode = item?.["exitCode"];
    if (typeof exitCode === "number") attributes["codex.command.exit_code"] = exitCode;
    if (this.captureContent) {
      const command = item?.["command"];
      if (typeof command === "string") attributes["codex.command"] = command;
      const text = item?.["text"];
      if (type === "agentMessage" && typeof text === "string") attributes["codex.item.text"] = text;
    }
    return attributes;
  }

  // ---- requests ----------------------------------------------------------------------------

  private requestEnded(method: string, span: Span, outcome: RequestOutcome, starting: TurnState | undefined): void {
    if (outcome.ok) {
      const result = asRecord(outcome.result);
      if (method === "thread/start" || method === "thread/resume" || method === "thread/fork")
        this.rememberThread(result);
      if (starting !== undefined) {
        const turnId = stringField(asRecord(result?.["turn"]), "id");
        if (turnId !== undefined) this.bindTurn(starting, turnId);
      }
      span.end();
      return;
    }
    const error = outcome.error as { name?: unknown; message?: unknown; code?: unknown } | undefined;
    const type = typeof error?.name === "string" ? error.name : "Error";
    span.setAttribute("error.type", type);
    if (typeof error?.code === "number") span.setAttribute("rpc.jsonrpc.error_code", error.code);
    const message = typeof error?.message === "string" ? error.message : String(outcome.error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.end();
    if (starting !== undefined && starting.turnId === undefined) {
      // No turn started: its span ends with the request's error.
      const pending = this.startingTurns.get(starting.threadId);
      const index = pending?.indexOf(starting) ?? -1;
      if (pending !== undefined && index !== -1) pending.splice(index, 1);
      if (pending?.length === 0) this.startingTurns.delete(starting.threadId);
      if (!starting.ended) {
        starting.ended = true;
        starting.span.setAttribute("error.type", type);
        starting.span.setStatus({ code: SpanStatusCode.ERROR, message });
        starting.span.end();
      }
    }
  }

  private rememberThread(result: Record<string, unknown> | undefined): void {
    const threadId = stringField(asRecord(result?.["thread"]), "id");
    if (threadId === undefined) return;
    this.threads.delete(threadId);
    this.threads.set(threadId, { model: stringField(result, "model"), provider: stringField(result, "modelProvider") });
    if (this.threads.size > MAX_THREADS) {
      const oldest = this.threads.keys().next().value;
      if (oldest !== undefined) this.threads.delete(oldest);
    }
  }
}

/** The span's context as the envelope's `trace` field: a W3C `traceparent` (and `tracestate`). */
function traceContextOf(span: Span): W3cTraceContext | undefined {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  const context: W3cTraceContext = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) context.tracestate = state;
  return context;
}

/**
 * An approval's decision as one string: `"accept"`, or the key of an object decision
 * (`"acceptWithExecpolicyAmendment"`).
 */
function decisionOf(result: unknown): string | undefined {
  const decision = asRecord(result)?.["decision"] ?? asRecord(result)?.["action"];
  if (typeof decision === "string") return decision;
  const record = asRecord(decision);
  if (record === undefined) return undefined;
  const keys = Object.keys(record);
  return keys.length === 1 ? keys[0] : undefined;
}

/** `codexErrorInfo` as an `error.type`: the string itself, or the key of the one-key object. */
function errorTypeOf(info: unknown): string {
  if (typeof info === "string") return info;
  const keys = Object.keys(asRecord(info) ?? {});
  return keys[0] ?? "turn_failed";
}

function inputText(input: unknown): string | undefined {
  if (!Array.isArray(input)) return undefined;
  const texts = input.flatMap((item) => {
    const text = asRecord(item)?.["text"];
    return typeof text === "string" ? [text] : [];
  });
  return texts.length > 0 ? texts.join("\n") : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === "string" ? value : undefined;
}

function numberField(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
