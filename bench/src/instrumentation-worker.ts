// What tracing costs, in its own process: the same work with no `instrumentation` (the default),
// with `openTelemetryInstrumentation()` while OpenTelemetry is off (the API installed, no SDK
// registered: every span is a no-op), and with it on (a real tracer provider keeping spans in
// memory). Two measurements, contenders interleaved round by round:
//   dispatch: N `item/agentMessage/delta` lines through AppServerClient (lines/s)
//   turn:     µs per trivial `thread.run()` against an in-process server that answers at once
// With BENCH_BASELINE_SDK_MODULE set to a build of @codex/sdk-core from before the hook existed
// (see bench/README.md), a fourth contender, "baseline", runs that build: the hook's cost when
// absent is "none" against it. Prints one JSON line.
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { cpuMicros, ScriptedTransport } from "./dispatch/scripted-transport.js";
import { InstantTurnServer } from "./dispatch/instant-turn-server.js";
import { buildTurnBytes } from "./dispatch/wire.js";
import { importRpc, loadSdk, type SdkModule } from "./sdk.js";
import { rotate } from "./stats.js";

const deltas = Number(process.argv[2] ?? 300_000);
const turnsPerRound = Number(process.argv[3] ?? 2000);
const rounds = Number(process.argv[4] ?? 7);

const loaded = await loadSdk();
if (!("sdk" in loaded)) throw new Error(loaded.missing);
const sdk: SdkModule = loaded.sdk;
const { openTelemetryInstrumentation } = (await import("@codex/sdk/otel")) as {
  openTelemetryInstrumentation: (options?: Record<string, unknown>) => unknown;
};
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

type Variant = "baseline" | "none" | "otel-off" | "otel-on";
const baselineModule = process.env["BENCH_BASELINE_SDK_MODULE"];
const baseline =
  baselineModule === undefined
    ? undefined
    : ({ ...(await importRpc(baselineModule)), ...(await import(baselineModule)) } as SdkModule);
const VARIANTS: Variant[] =
  baseline === undefined ? ["none", "otel-off", "otel-on"] : ["baseline", "none", "otel-off", "otel-on"];
const sdkOf = (variant: Variant): SdkModule => (variant === "baseline" ? baseline! : sdk);
function instrumentation(variant: Variant): unknown {
  if (variant === "none" || variant === "baseline") return undefined;
  // Off: the global tracer provider, which is OpenTelemetry's no-op one until an SDK registers.
  return variant === "otel-off"
    ? openTelemetryInstrumentation()
    : openTelemetryInstrumentation({ tracerProvider: provider });
}

const turnBytes = buildTurnBytes(deltas);
async function dispatchOnce(variant: Variant): Promise<{ linesPerSecond: number; linesPerCpuSecond: number }> {
  const transport = new ScriptedTransport(turnBytes, true);
  let seen = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const client = new (sdkOf(variant).AppServerClient)(sdkOf(variant).createLineTransport(transport), {
    instrumentation: instrumentation(variant),
  });
  client.onNotification("item/agentMessage/delta", () => {
    seen += 1;
  });
  client.onNotification("turn/completed", () => finished());
  await done;
  const ms = performance.now() - transport.pumpStartedAt;
  const cpuMs = (cpuMicros() - transport.pumpStartedCpu) / 1000;
  await client.close();
  if (seen !== deltas) throw new Error(`${variant}: ${seen}/${deltas} deltas`);
  return { linesPerSecond: (turnBytes.lines / ms) * 1000, linesPerCpuSecond: (turnBytes.lines / cpuMs) * 1000 };
}

async function turnsOnce(variant: Variant, count: number): Promise<{ wallMicros: number; cpuMicros: number }> {
  const codex = await sdkOf(variant).Codex.start({
    transport: sdkOf(variant).createLineTransport(new InstantTurnServer()),
    instrumentation: instrumentation(variant),
  });
  try {
    const thread = await codex.threadStart({});
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let index = 0; index < count; index += 1) {
      const result = await thread.run("hi");
      if (result.text !== "ok") throw new Error(`unexpected text ${result.text}`);
    }
    const cpu = process.cpuUsage(c0);
    return { wallMicros: ((performance.now() - t0) * 1000) / count, cpuMicros: (cpu.user + cpu.system) / count };
  } finally {
    await codex.close();
    exporter.reset();
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
// Warm-up: every path compiled before anything is timed.
for (const variant of VARIANTS) {
  await dispatchOnce(variant);
  await turnsOnce(variant, 300);
}
const dispatch: Record<string, number[]> = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
const dispatchCpu: Record<string, number[]> = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
const turn: Record<string, number[]> = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
const turnCpu: Record<string, number[]> = Object.fromEntries(VARIANTS.map((variant) => [variant, []]));
for (let round = 0; round < rounds; round += 1) {
  for (const variant of rotate(VARIANTS, round)) {
    gc?.();
    const d = await dispatchOnce(variant);
    dispatch[variant]!.push(d.linesPerSecond);
    dispatchCpu[variant]!.push(d.linesPerCpuSecond);
    gc?.();
    const t = await turnsOnce(variant, turnsPerRound);
    turn[variant]!.push(t.wallMicros);
    turnCpu[variant]!.push(t.cpuMicros);
  }
}
process.stdout.write(
  `${JSON.stringify({ deltas, lines: turnBytes.lines, turnsPerRound, rounds, dispatch, dispatchCpu, turn, turnCpu })}\n`,
);
process.exit(0);
