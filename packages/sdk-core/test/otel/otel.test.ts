// OpenTelemetry tracing on orderings the real server produces only sometimes, driven through an
// in-memory transport: a turn's events before its `turn/start` reply, a connection that closes
// mid-turn, a failed turn, two `turn/start` merged into one turn, a server request the server
// resolves itself, ignored methods. And the root entry never loads OpenTelemetry.
import { readFileSync } from "node:fs";
import path from "node:path";
import { SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { AppServerClient } from "../../src/rpc.js";
import { openTelemetryInstrumentation, type OpenTelemetryOptions } from "../../src/otel.js";
import { scriptedPair } from "../support/scripted-server.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
afterEach(() => exporter.reset());

/** A client with tracing, and the far end: what the client wrote, and a way to answer. */
function connect(options: OpenTelemetryOptions = {}) {
  const { clientEnd, server } = scriptedPair({ framing: "messages" });
  const client = new AppServerClient(clientEnd, {
    instrumentation: openTelemetryInstrumentation({ tracerProvider: provider, ...options }),
  });
  const send = (message: object): Promise<void> => server.send(message);
  const sentRequest = async (method: string, nth = 0) =>
    (await server.request(method, nth)) as { id: number; trace?: { traceparent: string } };
  return { client, written: server.received, send, sentRequest };
}

const turnParams = (turnId: string, status = "inProgress", error: unknown = null) => ({
  threadId: "thread-1",
  turn: { id: turnId, items: [], status, error, startedAt: 1, completedAt: null, durationMs: 5 },
});

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

/** Waits (boundedly) until `count` spans named `name` have ended: messages reach the client on later ticks. */
async function ended(name: string, count = 1) {
  for (let attempt = 0; attempt < 200 && spansNamed(name).length < count; attempt++)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return spansNamed(name);
}

describe("openTelemetryInstrumentation", () => {
  it("binds a turn from turn/started when its events come before the turn/start reply", async () => {
    const { client, send, sentRequest } = connect();
    const started = client.request("turn/start", {
      threadId: "thread-1",
      input: [{ type: "text", text: "hi", text_elements: [] }],
    });
    const request = await sentRequest("turn/start");
    await send({ method: "turn/started", params: turnParams("turn-a") });
    await send({
      method: "item/completed",
      params: {
        threadId: "thread-1",
        turnId: "turn-a",
        completedAtMs: 1,
        item: { type: "agentMessage", id: "m1", text: "hey", phase: null },
      },
    });
    await send({ method: "turn/completed", params: turnParams("turn-a", "completed") });
    await send({ id: request.id, result: { turn: { id: "turn-a", items: [], status: "inProgress", error: null } } });
    await started;
    const [turn] = spansNamed("invoke_agent codex");
    expect(turn?.attributes).toMatchObject({
      "codex.turn.id": "turn-a",
      "codex.turn.status": "completed",
      "codex.turn.items": 1,
    });
    expect(turn?.events.map((event) => event.name)).toEqual(["codex.item.completed"]);
    expect(turn?.events[0]?.attributes?.["codex.item.text"], "content only with captureContent").toBeUndefined();
    expect(request.trace?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    await client.close();
  });

  it("ends a turn's span with an error when the connection closes before turn/completed", async () => {
    const { client, send, sentRequest } = connect();
    const started = client.request("turn/start", { threadId: "thread-1", input: [] });
    const request = await sentRequest("turn/start");
    await send({ id: request.id, result: { turn: { id: "turn-b", items: [], status: "inProgress", error: null } } });
    await started;
    const pending = client.request("thread/read", { threadId: "thread-1" }).catch((error: unknown) => error);
    await sentRequest("thread/read");
    await client.close();
    expect(await pending).toMatchObject({ name: "TransportClosedError" });
    const [turn] = spansNamed("invoke_agent codex");
    expect(turn?.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: "the connection closed before turn/completed",
    });
    const [read] = spansNamed("codex.request thread/read");
    expect(read?.attributes["error.type"]).toBe("TransportClosedError");
  });

  it("marks a failed turn as an error with the codex error kind", async () => {
    const { client, send, sentRequest } = connect();
    const started = client.request("turn/start", { threadId: "thread-1", input: [] });
    await send({
      id: (await sentRequest("turn/start")).id,
      result: { turn: { id: "turn-c", items: [], status: "inProgress", error: null } },
    });
    await started;
    const error = {
      message: "rate limited",
      codexErrorInfo: { responseTooManyFailedAttempts: { httpStatusCode: 429 } },
      additionalDetails: null,
    };
    await send({ method: "error", params: { threadId: "thread-1", turnId: "turn-c", willRetry: false, error } });
    await send({ method: "turn/completed", params: turnParams("turn-c", "failed", error) });
    const [turn] = await ended("invoke_agent codex");
    expect(turn?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: "rate limited" });
    expect(turn?.attributes).toMatchObject({
      "error.type": "responseTooManyFailedAttempts",
      "gen_ai.response.finish_reasons": ["failed"],
    });
    expect(turn?.events.map((event) => event.name)).toEqual(["codex.error"]);
    await client.close();
  });

  it("ends the second span of two turn/start merged into one turn as steered", async () => {
    const { client, send, sentRequest } = connect();
    const first = client.request("turn/start", { threadId: "thread-1", input: [] });
    const second = client.request("turn/start", { threadId: "thread-1", input: [] });
    const reply = { turn: { id: "turn-d", items: [], status: "inProgress", error: null } };
    await send({ id: (await sentRequest("turn/start", 0)).id, result: reply });
    await send({ id: (await sentRequest("turn/start", 1)).id, result: reply });
    await Promise.all([first, second]);
    await send({ method: "turn/completed", params: turnParams("turn-d", "completed") });
    const turns = await ended("invoke_agent codex", 2);
    // Spans are exported as they end: the merged one at the second reply, the turn at turn/completed.
    expect(turns.map((span) => span.attributes["codex.turn.steered"] ?? false)).toEqual([true, false]);
    expect(turns[1]?.attributes["codex.turn.status"]).toBe("completed");
    await client.close();
  });

  it("records a server request the server resolved itself as unanswered", async () => {
    const { client, send, written } = connect();
    let release: (() => void) | undefined;
    client.onServerRequest(
      "item/commandExecution/requestApproval",
      (_params, { signal }) =>
        new Promise((resolve) => {
          release = () => resolve({ decision: "accept" });
          signal.addEventListener("abort", () => release?.());
        }),
    );
    await send({
      id: 0,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "thread-1", turnId: "turn-x", itemId: "cmd-1", command: "ls" },
    });
    await send({ method: "serverRequest/resolved", params: { threadId: "thread-1", requestId: 0 } });
    const [span] = await ended("codex.server_request item/commandExecution/requestApproval");
    expect(span?.attributes).toMatchObject({ "codex.server_request.outcome": "unanswered", "codex.item.id": "cmd-1" });
    expect(String(span?.attributes["codex.server_request.unanswered_reason"])).toContain("resolved");
    expect(written.filter((message) => message["id"] === 0)).toEqual([]);
    await client.close();
  });

  it("sends no trace and makes no span for ignored methods", async () => {
    const { client, send, sentRequest } = connect({ ignoreMethods: ["thread/loaded/list"] });
    const listed = client.request("thread/loaded/list", {});
    const request = await sentRequest("thread/loaded/list");
    await send({ id: request.id, result: { data: [], nextCursor: null } });
    await listed;
    expect(request.trace).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
    await client.close();
  });
});

describe("the root entry", () => {
  it("never loads @opentelemetry/api; the otel entry does", () => {
    const dist = path.join(import.meta.dirname, "..", "..", "dist");
    for (const file of ["index.js", "index.cjs"])
      expect(readFileSync(path.join(dist, file), "utf8")).not.toContain("@opentelemetry");
    for (const file of ["otel.js", "otel.cjs"])
      expect(readFileSync(path.join(dist, file), "utf8")).toContain("@opentelemetry/api");
  });
});
