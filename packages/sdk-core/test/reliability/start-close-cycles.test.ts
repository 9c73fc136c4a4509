// 100 start/close cycles of a real app-server: afterwards no child process, file descriptor,
// process listener or active handle is left over from them.
import type { TestEnvironment } from "@codex/sdk-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Codex } from "../../src/index.js";
import { childPids, openFdCount } from "../support/processes.js";
import { until } from "../support/wait.js";
import { codexBin, createEnvironment } from "../support/real-server.js";

const CYCLES = 100;
const PROCESS_EVENTS = [
  "exit",
  "beforeExit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "uncaughtException",
  "unhandledRejection",
  "warning",
] as const;

/** Counts of what could leak, at one moment. */
function snapshot() {
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  return {
    children: childPids(),
    fds: openFdCount(),
    listeners: Object.fromEntries(PROCESS_EVENTS.map((event) => [event, process.listenerCount(event)])),
    resources,
  };
}

let env: TestEnvironment;
beforeAll(async () => {
  env = await createEnvironment();
});
afterAll(async () => {
  await env.dispose();
});

async function cycle(index: number): Promise<void> {
  const codex = await Codex.start({ codexBin, ...env, clientInfo: { name: "cycles", version: String(index) } });
  // Use the connection a little, so the cycle is a real session and not just a handshake.
  expect(codex.metadata.serverVersion).not.toBeNull();
  await codex.close();
}

describe(`${CYCLES} start/close cycles`, () => {
  it("leak no process, file descriptor, listener or handle", { timeout: 150_000 }, async () => {
    // Warm up: the first cycles open things that live for the whole process (the SDK's single
    // process-exit hook, lazily loaded modules, the fake model's listening socket).
    await cycle(-2);
    await cycle(-1);
    // A child's process handle is released a tick after its exit is reported: let it settle.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = snapshot();
    for (let index = 0; index < CYCLES; index += 1) {
      await cycle(index);
      // Each close() resolves only after the app-server has exited.
      expect(childPids()).toEqual([]);
    }
    // Pipes and sockets may take a tick to be released after the last close.
    await until(() => openFdCount() <= before.fds, { timeoutMs: 5_000, what: "file descriptors to be released" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = snapshot();
    expect(after.children).toEqual([]);
    expect(after.fds).toBeLessThanOrEqual(before.fds);
    expect(after.listeners).toEqual(before.listeners);
    // Handles: a leak per cycle would show as +100. Processes and pipes must match exactly; the
    // test runner's own timers may differ by one or two at the moment of the snapshot.
    for (const kind of new Set([...Object.keys(before.resources), ...Object.keys(after.resources)])) {
      const grown = (after.resources[kind] ?? 0) - (before.resources[kind] ?? 0);
      expect(grown, `${kind}: ${before.resources[kind] ?? 0} → ${after.resources[kind] ?? 0}`).toBeLessThanOrEqual(
        kind === "Timeout" || kind === "Immediate" ? 2 : 0,
      );
    }
  });
});
