// Tracing with OpenTelemetry. `openTelemetryInstrumentation()` from `@codex/sdk/otel` turns the
// client's traffic into spans: one per request, one per turn (`invoke_agent codex`, with the
// model, token usage and status of the generative-AI conventions), the turn's items as span
// events, and approvals as child spans with the decision. Each request also carries its span's
// W3C trace context to the app-server, so the server's own spans can join the same trace.
//
// Here the spans go to the OpenTelemetry SDK's in-memory exporter, and the example prints the
// tree of one turn in which the model runs a command that needs an approval. In a service you
// would register your exporter (OTLP, console, ...) instead.
import { context, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { Codex } from "@codex/sdk";
import { openTelemetryInstrumentation } from "@codex/sdk/otel";
import { reply } from "@codex/sdk-testing";
import { bold, check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

/** One line per span, children indented under their parent, then the span's events. */
function printTree(spans: readonly ReadableSpan[]): string[] {
  const lines: string[] = [];
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = (parentId: string | undefined) =>
    spans
      .filter((span) =>
        parentId === undefined
          ? !ids.has(span.parentSpanContext?.spanId ?? "")
          : span.parentSpanContext?.spanId === parentId,
      )
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  const show = (span: ReadableSpan, depth: number) => {
    const indent = "  ".repeat(depth);
    const ms = (span.duration[0] * 1000 + span.duration[1] / 1e6).toFixed(0);
    const error = span.status.code === SpanStatusCode.ERROR ? ` ERROR ${span.status.message ?? ""}` : "";
    lines.push(`${indent}${bold(span.name)} ${dim(`${ms} ms`)}${error}`);
    const attributes = Object.entries(span.attributes).filter(
      ([key]) => key.startsWith("gen_ai.") || key.startsWith("codex.approval") || key === "codex.command",
    );
    for (const [key, value] of attributes) lines.push(`${indent}  ${dim(`${key} = ${JSON.stringify(value)}`)}`);
    for (const event of span.events) {
      const attributes = event.attributes ?? {};
      lines.push(
        `${indent}  ${dim("event")} ${event.name} ${attributes["codex.item.type"] ?? ""}${attributes["codex.item.status"] ? ` (${attributes["codex.item.status"]})` : ""}`,
      );
    }
    for (const child of children(span.spanContext().spanId)) show(child, depth + 1);
  };
  for (const root of children(undefined)) show(root, 0);
  return lines;
}

await runExample("otel-trace", async () => {
  // OpenTelemetry setup, as a service would do it once at start-up: a context manager (so spans
  // made after an `await` keep their parent) and a tracer provider with an exporter.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("otel-trace-example");

  await using env = await exampleEnvironment({ home: { sandboxMode: "workspace-write" } });
  env.fake?.enqueue(
    reply.toolCall({
      cmd: "echo traced",
      yieldTimeMs: 10_000,
      usage: { inputTokens: 1200, cachedInputTokens: 200, outputTokens: 40 },
    }),
    reply.text("The command printed: traced.", { usage: { inputTokens: 1300, outputTokens: 12 } }),
  );
  const decisions: string[] = [];
  await using codex = await Codex.start({
    ...env.options,
    // Content (commands, prompts, answers) is recorded only when asked: it may hold secrets.
    instrumentation: openTelemetryInstrumentation({ tracerProvider: provider, captureContent: true }),
    serverRequests: {
      "item/commandExecution/requestApproval": async (params) => {
        console.log(`${dim("approving")} ${params.command}`);
        decisions.push("accept");
        return { decision: "accept" };
      },
    },
  });

  // Your own span around the work: the SDK's spans become its children.
  const result = await tracer.startActiveSpan("handle user request", async (span) => {
    try {
      const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });
      return await thread.run("Run `echo traced` and tell me what it printed.");
    } finally {
      span.end();
    }
  });
  console.log(`\n${result.finalResponse}\n`);
  const spans = exporter.getFinishedSpans().filter((span) => span.name !== "codex.request initialize");
  for (const line of printTree(spans)) console.log(line);

  check(result.status === "completed", `the turn completes (got ${result.status})`);
  checkEqual(decisions, ["accept"], "the approval handler's decisions");
  const byName = (name: string) => spans.find((span) => span.name === name);
  const root = byName("handle user request");
  const turn = byName("invoke_agent codex");
  const approval = byName("codex.server_request item/commandExecution/requestApproval");
  check(root && turn && approval, "the tree has the caller's span, the turn span and the approval span");
  checkEqual(turn.parentSpanContext?.spanId, root.spanContext().spanId, "the turn's parent is the caller's span");
  checkEqual(approval.parentSpanContext?.spanId, turn.spanContext().spanId, "the approval's parent is the turn");
  checkEqual(approval.attributes["codex.approval.decision"], "accept", "the approval span's decision");
  checkEqual(turn.attributes["gen_ai.operation.name"], "invoke_agent", "the turn's gen_ai.operation.name");
  checkEqual(turn.attributes["gen_ai.response.finish_reasons"], ["completed"], "the turn's finish reason");
  if (env.fake) {
    checkEqual(turn.attributes["gen_ai.usage.input_tokens"], 2500, "the turn's input tokens (both model calls)");
    checkEqual(turn.attributes["gen_ai.usage.output_tokens"], 52, "the turn's output tokens");
  }
  const itemEvents = turn.events
    .filter((event) => event.name === "codex.item.completed")
    .map((event) => event.attributes?.["codex.item.type"]);
  check(
    itemEvents.includes("commandExecution") && itemEvents.includes("agentMessage"),
    "the command and the answer are events of the turn",
  );
  check(
    byName("codex.request turn/start")?.parentSpanContext?.spanId === turn.spanContext().spanId,
    "turn/start is a child of its turn",
  );

  await provider.shutdown();
  context.disable();
});
