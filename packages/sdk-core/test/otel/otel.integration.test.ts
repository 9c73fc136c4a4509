// OpenTelemetry tracing against the real app-server and the fake model: the span tree of a turn
// with a command approval, read back from the OpenTelemetry SDK's in-memory exporter, and the
// W3C trace context each request carries in its envelope.
import { context, trace, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { reply, type TestEnvironment } from "@codex/sdk-testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Codex, type Thread } from "../../src/index.js";
import { openTelemetryInstrumentation } from "../../src/otel.js";
import { spawnAppServer } from "../../src/process/spawn-app-server.js";
import type { Transport } from "../../src/rpc/transport.js";
import { codexBin, createEnvironment } from "../support/real-server.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
const contextManager = new AsyncLocalStorageContextManager();

let env: TestEnvironment;
beforeAll(async () => {
  context.setGlobalContextManager(contextManager.enable());
  env = await createEnvironment({
    sandboxMode: "workspace-write",
    streamIdleTimeoutMs: 20_000,
  });
});
afterAll(async () => {
  await env?.dispose();
  await provider.shutdown();
  context.disable();
});
afterEach(() => exporter.reset());

/** A stdio transport that also keeps (as JSON text) every message the client sends, to see the envelopes. */
async function recordingTransport(sent: string[]): Promise<Transport> {
  const transport = await spawnAppServer({
    codexBin,
    args: env.appServerArgs,
    env: env.env,
    codexHome: env.codexHome,
    config: { features: { shell_snapshot: false } },
  });
  const send = transport.send.bind(transport);
  transport.send = (message: object) => {
    sent.push(JSON.stringify(message));
    return send(message);
  };
  return transport;
}

function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  expect(
    found.map((span) => span.name),
    `exactly one span named ${name}`,
  ).toEqual([name]);
  return found[0]!;
}

describe("openTelemetryInstrumentation on the real app-server", () => {
  it("traces a turn with a command approval: request, turn, item and approval spans with their attributes", async () => {
    const sent: string[] = [];
    const usage = { inputTokens: 120, cachedInputTokens: 20, outputTokens: 7, reasoningOutputTokens: 3 };
    env.fakeModel.enqueue(
      reply.toolCall({ cmd: "echo traced", yieldTimeMs: 10_000, usage }),
      reply.text("The command printed traced.", { usage: { inputTokens: 200, outputTokens: 9 } }),
    );
    const codex = await Codex.start({
      transport: await recordingTransport(sent),
      instrumentation: openTelemetryInstrumentation({ tracerProvider: provider, captureContent: true }),
      serverRequests: { "item/commandExecution/requestApproval": async () => ({ decision: "accept" }) },
    });
    let result: Awaited<ReturnType<Thread["run"]>>;
    try {
      result = await tracer.startActiveSpan("user operation", async (root) => {
        try {
          const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });
          return await thread.run("Run echo traced");
        } finally {
          root.end();
        }
      });
    } finally {
      await codex.close();
    }
    expect(result.status).toBe("completed");

    const spans = exporter.getFinishedSpans();
    const root = only(spans, "user operation");
    const threadStart = only(spans, "codex.request thread/start");
    expect(threadStart.parentSpanContext?.spanId, "thread/start is a child of the caller's span").toBe(
      root.spanContext().spanId,
    );
    expect(threadStart.attributes).toMatchObject({ "rpc.system": "jsonrpc", "rpc.method": "thread/start" });

    const turn = only(spans, "invoke_agent codex");
    expect(turn.parentSpanContext?.spanId, "the turn is a child of the caller's span").toBe(root.spanContext().spanId);
    expect(turn.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(turn.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": "codex",
      "gen_ai.provider.name": "fake",
      "gen_ai.request.model": "fake-model",
      "gen_ai.conversation.id": result.threadId,
      "gen_ai.output.type": "text",
      "gen_ai.response.finish_reasons": ["completed"],
      "gen_ai.usage.input_tokens": 320,
      "gen_ai.usage.output_tokens": 16,
      "gen_ai.usage.cache_read.input_tokens": 20,
      "codex.usage.reasoning_output_tokens": 3,
      "codex.turn.id": result.id,
      "codex.turn.status": "completed",
      "codex.turn.input": "Run echo traced",
    });
    expect(turn.attributes["codex.turn.items"]).toBe(result.items.length);

    const turnStart = only(spans, "codex.request turn/start");
    expect(turnStart.parentSpanContext?.spanId, "turn/start is a child of its turn").toBe(turn.spanContext().spanId);

    // Items as span events on the turn, in order: each started item also completes.
    const events = turn.events.map((event) => `${event.name} ${String(event.attributes?.["codex.item.type"])}`);
    expect(events).toContain("codex.item.started commandExecution");
    expect(events).toContain("codex.item.completed commandExecution");
    expect(events).toContain("codex.item.completed agentMessage");
    expect(events.indexOf("codex.item.started commandExecution")).toBeLessThan(
      events.indexOf("codex.item.completed commandExecution"),
    );
    const command = turn.events.find(
      (event) => event.name === "codex.item.completed" && event.attributes?.["codex.item.type"] === "commandExecution",
    );
    expect(command?.attributes).toMatchObject({ "codex.item.status": "completed", "codex.command.exit_code": 0 });
    expect(String(command?.attributes?.["codex.command"])).toContain("echo traced");
    const answer = turn.events.find(
      (event) => event.name === "codex.item.completed" && event.attributes?.["codex.item.type"] === "agentMessage",
    );
    expect(answer?.attributes?.["codex.item.text"]).toBe("The command printed traced.");

    // The approval: a child span of the turn, with the decision the handler sent.
    const approval = only(spans, "codex.server_request item/commandExecution/requestApproval");
    expect(approval.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    expect(approval.attributes).toMatchObject({
      "codex.approval.decision": "accept",
      "codex.server_request.outcome": "answered",
      "codex.turn.id": result.id,
      "codex.item.id": command?.attributes?.["codex.item.id"],
    });
    expect(String(approval.attributes["codex.command"])).toContain("echo traced");

    // Every request carried its own span's W3C context in the envelope's `trace` field.
    const envelopes = sent.map(
      (line) => JSON.parse(line) as { id?: number; method?: string; trace?: { traceparent?: string } },
    );
    const turnStartEnvelope = envelopes.find((message) => message.method === "turn/start");
    expect(turnStartEnvelope?.trace?.traceparent).toBe(
      `00-${turnStart.spanContext().traceId}-${turnStart.spanContext().spanId}-01`,
    );
    const threadStartEnvelope = envelopes.find((message) => message.method === "thread/start");
    expect(threadStartEnvelope?.trace?.traceparent).toBe(
      `00-${root.spanContext().traceId}-${threadStart.spanContext().spanId}-01`,
    );
    expect(
      envelopes
        .filter((message) => message.id !== undefined && message.method !== undefined)
        .every((message) => message.trace?.traceparent !== undefined),
    ).toBe(true);
    // Replies to the server's requests are not requests: no trace field.
    expect(
      envelopes.filter((message) => message.method === undefined).every((message) => message.trace === undefined),
    ).toBe(true);
    // One trace from the caller's span down: initialize came before it, so it has a trace of its own.
    const inTrace = spans
      .filter((span) => span.spanContext().traceId === root.spanContext().traceId)
      .map((span) => span.name);
    expect(inTrace).toEqual(
      expect.arrayContaining([
        "codex.request thread/start",
        "codex.request turn/start",
        "invoke_agent codex",
        turn.name,
        approval.name,
      ]),
    );
    expect(inTrace).not.toContain("codex.request initialize");
  });

  it("a declined approval, a failed request and an aborted turn are recorded as such", async () => {
    env.fakeModel.enqueue(
      reply.toolCall({ cmd: "echo nope", yieldTimeMs: 10_000 }),
      reply.text("Declined, fine."),
      reply.hang({ partialText: "Thinking", maxMs: 20_000 }),
    );
    const codex = await Codex.start({
      codexBin,
      ...env,
      config: { features: { shell_snapshot: false } },
      instrumentation: openTelemetryInstrumentation({ tracerProvider: provider }),
      serverRequests: { "item/commandExecution/requestApproval": async () => ({ decision: "decline" }) },
    });
    try {
      const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });
      const declined = await thread.run("Run echo nope");
      expect(declined.status).toBe("completed");
      await expect(codex.client.request("thread/read", { threadId: "no-such-thread" })).rejects.toThrow();
      const controller = new AbortController();
      const turn = await thread.turn("Take forever", { signal: controller.signal });
      for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
      controller.abort();
      await expect(turn.run()).rejects.toMatchObject({ name: "AbortError" });
    } finally {
      await codex.close();
    }
    const spans = exporter.getFinishedSpans();
    const approval = only(spans, "codex.server_request item/commandExecution/requestApproval");
    expect(approval.attributes["codex.approval.decision"]).toBe("decline");
    expect(approval.attributes["codex.command"], "no content without captureContent").toBeUndefined();
    const failed = only(spans, "codex.request thread/read");
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes["error.type"]).toBe("InvalidRequestError");
    expect(typeof failed.attributes["rpc.jsonrpc.error_code"]).toBe("number");
    const turns = spans.filter((span) => span.name === "invoke_agent codex");
    expect(turns.map((span) => span.attributes["codex.turn.status"])).toEqual(["completed", "interrupted"]);
    expect(turns[0]!.attributes["codex.turn.input"], "no content without captureContent").toBeUndefined();
    const interrupt = only(spans, "codex.request turn/interrupt");
    expect(interrupt.parentSpanContext?.spanId, "turn/interrupt is a child of the turn it interrupts").toBe(
      turns[1]!.spanContext().spanId,
    );
  });
});

describe("instrumentation that is not given", () => {
  it("adds no trace field to any request", async () => {
    const sent: string[] = [];
    const codex = await Codex.start({ transport: await recordingTransport(sent) });
    try {
      await codex.threadStart();
    } finally {
      await codex.close();
    }
    const requests = sent
      .map((line) => JSON.parse(line) as { method?: string; trace?: unknown })
      .filter((message) => message.method !== undefined);
    expect(requests.map((message) => message.method)).toEqual(expect.arrayContaining(["initialize", "thread/start"]));
    expect(requests.every((message) => !("trace" in message))).toBe(true);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
