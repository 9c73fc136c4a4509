// What the fake model remembers about each request codex sent, for assertions: the parsed body,
// the user's prompt, and the tool outputs codex sent back.

/** A tool result codex sent back to the model (`function_call_output` or `custom_tool_call_output`). */
export interface RecordedToolOutput {
  type: "function_call_output" | "custom_tool_call_output";
  callId: string;
  /** The output as text (content arrays are joined). */
  output: string;
  /** The output exactly as sent. */
  raw: unknown;
}

/** One request received by the fake model. */
export interface RecordedRequest {
  /** 0-based order of arrival. */
  index: number;
  method: string;
  /** Path without the query, e.g. `/v1/responses`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (`undefined` when the body was empty or not JSON). */
  body: unknown;
  /** The `model` field of a Responses request. */
  model: string | undefined;
  /**
   * The user's prompt: the text of the last user `input_text` that does not start with `<`
   * (codex sends its environment context and instructions as user messages in angle brackets).
   */
  prompt: string | undefined;
  /** The codex thread this request belongs to (codex's `thread-id` header). */
  threadId: string | undefined;
  /** The codex turn this request belongs to (`client_metadata.turn_id`). */
  turnId: string | undefined;
  /** Why codex sent it, from its turn metadata header: `"turn"` for an ordinary model call. */
  requestKind: string | undefined;
  /** Tool results codex sent back in this request, in input order. */
  toolOutputs: RecordedToolOutput[];
  /** Which reply answered it: `"scripted"` from the queue, `"default"`, or `"rejected"` by the fake itself. */
  answeredBy: "scripted" | "default" | "rejected";
  /** `Date.now()` when the body was fully received. */
  receivedAt: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Text of a tool output, which is a string or (in newer codex versions) a content-item array. */
function outputText(output: unknown): string {
  if (typeof output === "string") return output;
  if (Array.isArray(output)) {
    return output.map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("");
  }
  if (isRecord(output) && typeof output["content"] === "string") return output["content"];
  return JSON.stringify(output);
}

/** The input items of a Responses request body, or `[]`. */
export function inputItems(body: unknown): unknown[] {
  if (!isRecord(body)) return [];
  const input = body["input"];
  return Array.isArray(input) ? input : [];
}

/** The last user `input_text` not starting with `<`. */
export function promptOf(body: unknown): string | undefined {
  let prompt: string | undefined;
  for (const item of inputItems(body)) {
    if (!isRecord(item) || item["role"] !== "user" || !Array.isArray(item["content"])) continue;
    for (const part of item["content"]) {
      if (!isRecord(part) || part["type"] !== "input_text" || typeof part["text"] !== "string") continue;
      if (part["text"].trimStart().startsWith("<")) continue;
      prompt = part["text"];
    }
  }
  return prompt;
}

/** Tool results in the request's input. */
export function toolOutputsOf(body: unknown): RecordedToolOutput[] {
  const outputs: RecordedToolOutput[] = [];
  for (const item of inputItems(body)) {
    if (!isRecord(item)) continue;
    const type = item["type"];
    if (type !== "function_call_output" && type !== "custom_tool_call_output") continue;
    outputs.push({
      type,
      callId: String(item["call_id"] ?? ""),
      output: outputText(item["output"]),
      raw: item["output"],
    });
  }
  return outputs;
}

/** True when the last input item is a tool result, i.e. codex is asking the model to continue after a tool ran. */
export function endsWithToolOutput(body: unknown): boolean {
  const items = inputItems(body);
  const last = items[items.length - 1];
  return isRecord(last) && (last["type"] === "function_call_output" || last["type"] === "custom_tool_call_output");
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Thread id, turn id and request kind codex attaches to each request (headers and `client_metadata`). */
export function codexMetadataOf(
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): { threadId: string | undefined; turnId: string | undefined; requestKind: string | undefined } {
  const clientMetadata = isRecord(body) && isRecord(body["client_metadata"]) ? body["client_metadata"] : {};
  let turnMetadata: Record<string, unknown> = {};
  const rawTurnMetadata = headerValue(headers["x-codex-turn-metadata"]);
  if (rawTurnMetadata) {
    try {
      const parsed: unknown = JSON.parse(rawTurnMetadata);
      if (isRecord(parsed)) turnMetadata = parsed;
    } catch {
      // Not JSON: a codex version that formats it differently; the other sources still apply.
    }
  }
  const pick = (...values: unknown[]) =>
    values.find((value): value is string => typeof value === "string" && value !== "");
  return {
    threadId: pick(headerValue(headers["thread-id"]), clientMetadata["thread_id"], turnMetadata["thread_id"]),
    turnId: pick(clientMetadata["turn_id"], turnMetadata["turn_id"]),
    requestKind: pick(turnMetadata["request_kind"]),
  };
}
