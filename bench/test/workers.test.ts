// The bench's in-process workers run against the SDK as built, at a tiny size: a change of the
// SDK's surface that a worker relies on (an export moved to `/rpc`, a renamed option) fails here,
// in `pnpm test`, instead of at the next benchmark run. No timing is asserted: the numbers of a
// run this small mean nothing, only their shape is checked.
import { describe, expect, test } from "vitest";
import { runWorker } from "../src/spawn-worker.js";

const positive = (values: unknown) => {
  expect(Array.isArray(values)).toBe(true);
  for (const value of values as unknown[]) expect(value).toBeGreaterThan(0);
};

describe("bench workers", () => {
  test("turn-overhead: trivial turns through Codex.start({ transport })", async () => {
    const result = await runWorker<{ turns: number; wallMicros: number[]; cpuMicros: number[] }>(
      "turn-overhead-worker.ts",
      ["50", "1"],
    );
    expect(result.turns).toBe(50);
    positive(result.wallMicros);
    expect(result.cpuMicros).toHaveLength(1);
  }, 60_000);

  test("dispatch: bare, client, sdk and sdk-unrecorded each read every line", async () => {
    const result = await runWorker<{ lines: number; samples: Record<string, number[]> }>(
      "dispatch/worker.ts",
      ["500", "1"],
      ["--expose-gc"],
    );
    expect(Object.keys(result.samples).sort()).toEqual(["bare", "client", "sdk", "sdk-unrecorded"]);
    for (const samples of Object.values(result.samples)) positive(samples);
  }, 60_000);

  test("instrumentation: no hook, OpenTelemetry off and on", async () => {
    const result = await runWorker<{ dispatch: Record<string, number[]>; turn: Record<string, number[]> }>(
      "instrumentation-worker.ts",
      ["500", "20", "1"],
      ["--expose-gc"],
    );
    expect(Object.keys(result.turn).sort()).toEqual(["none", "otel-off", "otel-on"]);
    for (const samples of [...Object.values(result.dispatch), ...Object.values(result.turn)]) positive(samples);
  }, 60_000);

  test("record-memory: a turn's peak heap with and without recording", async () => {
    const result = await runWorker<{ samples: Record<string, number[]>; errors: string[] }>(
      "record-memory/worker.ts",
      ["1000", "1"],
      ["--expose-gc"],
    );
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.samples).length).toBeGreaterThan(0);
    for (const samples of Object.values(result.samples)) positive(samples);
  }, 60_000);
});
