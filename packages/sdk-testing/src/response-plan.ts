// Turns a scripted reply into what goes on the wire: an HTTP status, headers, the SSE events in
// order, and how the response ends. The events follow the OpenAI Responses API streaming format
// that codex parses (`response.created`, `response.output_item.added`, `response.output_text.delta`,
// `response.output_item.done`, `response.completed` / `response.failed`).
import type { FakeReply, FakeUsage, SseEvent } from "./replies.js";

/** How a streamed response ends after its last event. */
export type PlanEnding = "end" | "destroy" | "hang";

/** The wire form of one reply. */
export interface ResponsePlan {
  status: number;
  headers: Record<string, string>;
  /** Body pieces written in order, each after `delayMs` (except the first). */
  chunks: string[];
  delayMs: number;
  ending: PlanEnding;
  /** For `hang`: when the fake destroys the socket itself. */
  hangMs?: number;
}

const DEFAULT_USAGE: FakeUsage = { inputTokens: 100, cachedInputTokens: 0, outputTokens: 10, reasoningOutputTokens: 0 };

/** Formats one server-sent event. */
export function formatSseEvent(event: SseEvent): string {
  const data = typeof event.data === "string" ? event.data : JSON.stringify({ type: event.type, ...event.data });
  // A data payload with newlines must be split into several `data:` lines to stay one event.
  const dataLines = data
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n");
  return `event: ${event.type}\n${dataLines}\n\n`;
}

function usageToWire(usage: FakeUsage) {
  const cached = usage.cachedInputTokens ?? 0;
  const reasoning = usage.reasoningOutputTokens ?? 0;
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** Ids for one response, unique within one fake model. */
export interface PlanIds {
  responseId: string;
  nextItemId(): string;
}

function created(ids: PlanIds): SseEvent {
  return {
    type: "response.created",
    data: { response: { id: ids.responseId, object: "response", status: "in_progress", output: [] } },
  };
}

function completed(ids: PlanIds, usage: FakeUsage | null | undefined): SseEvent {
  const response: Record<string, unknown> = { id: ids.responseId, object: "response", status: "completed" };
  const effective = usage === undefined ? DEFAULT_USAGE : usage;
  if (effective !== null) response["usage"] = usageToWire(effective);
  return { type: "response.completed", data: { response } };
}

/** The events of an assistant message streamed as deltas, at `outputIndex`. */
function messageEvents(ids: PlanIds, outputIndex: number, chunks: string[]): SseEvent[] {
  const itemId = ids.nextItemId();
  const text = chunks.join("");
  return [
    {
      type: "response.output_item.added",
      data: {
        output_index: outputIndex,
        item: { type: "message", id: itemId, role: "assistant", status: "in_progress", content: [] },
      },
    },
    ...chunks.map(
      (delta): SseEvent => ({
        type: "response.output_text.delta",
        data: { item_id: itemId, output_index: outputIndex, content_index: 0, delta },
      }),
    ),
    {
      type: "response.output_item.done",
      data: {
        output_index: outputIndex,
        item: {
          type: "message",
          id: itemId,
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text, annotations: [] }],
        },
      },
    },
  ];
}

/** The start of a message that never completes (for failures mid-stream): its item and one delta. */
function partialMessageEvents(ids: PlanIds, text: string): SseEvent[] {
  return text === "" ? [] : messageEvents(ids, 0, [text]).slice(0, -1);
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

function stream(events: SseEvent[], delayMs: number | undefined, ending: PlanEnding): ResponsePlan {
  return {
    status: 200,
    headers: { ...SSE_HEADERS },
    chunks: events.map(formatSseEvent),
    delayMs: delayMs ?? 0,
    ending,
  };
}

/** Compiles a reply into its wire form. */
export function planResponse(reply: FakeReply, ids: PlanIds): ResponsePlan {
  switch (reply.kind) {
    case "text":
      return stream(
        [created(ids), ...messageEvents(ids, 0, reply.chunks), completed(ids, reply.usage)],
        reply.delayMs,
        "end",
      );
    case "toolCall": {
      const events: SseEvent[] = [created(ids)];
      let outputIndex = 0;
      if (reply.text !== undefined) {
        events.push(...messageEvents(ids, outputIndex, [reply.text]));
        outputIndex += 1;
      }
      const itemId = ids.nextItemId();
      const item = { type: "function_call", id: itemId, call_id: reply.callId, name: reply.name };
      events.push(
        {
          type: "response.output_item.added",
          data: { output_index: outputIndex, item: { ...item, arguments: "", status: "in_progress" } },
        },
        {
          type: "response.output_item.done",
          data: { output_index: outputIndex, item: { ...item, arguments: reply.arguments, status: "completed" } },
        },
        completed(ids, reply.usage),
      );
      return stream(events, reply.delayMs, "end");
    }
    case "applyPatch": {
      const itemId = ids.nextItemId();
      const item = { type: "custom_tool_call", id: itemId, call_id: reply.callId, name: "apply_patch" };
      return stream(
        [
          created(ids),
          {
            type: "response.output_item.added",
            data: { output_index: 0, item: { ...item, input: "", status: "in_progress" } },
          },
          {
            type: "response.output_item.done",
            data: { output_index: 0, item: { ...item, input: reply.patch, status: "completed" } },
          },
          completed(ids, reply.usage),
        ],
        reply.delayMs,
        "end",
      );
    }
    case "httpError":
      return { status: reply.status, headers: { ...reply.headers }, chunks: [reply.body], delayMs: 0, ending: "end" };
    case "failed":
      return stream(
        [
          created(ids),
          ...partialMessageEvents(ids, reply.partialText ?? ""),
          {
            type: "response.failed",
            data: {
              response: {
                id: ids.responseId,
                object: "response",
                status: "failed",
                error: { code: reply.code, message: reply.message },
              },
            },
          },
        ],
        reply.delayMs,
        "end",
      );
    case "malformed":
      return stream(
        [created(ids), ...reply.events.map((event) => ({ type: event.eventType, data: event.data }))],
        reply.delayMs,
        "end",
      );
    case "drop":
      return stream([created(ids), ...partialMessageEvents(ids, reply.partialText)], reply.delayMs, "destroy");
    case "hang": {
      const plan = stream([created(ids), ...partialMessageEvents(ids, reply.partialText)], reply.delayMs, "hang");
      if (reply.maxMs !== undefined) plan.hangMs = reply.maxMs;
      return plan;
    }
    case "events":
      return stream(reply.events, reply.delayMs, reply.ending);
  }
}
