// Connecting and closing over ws many times leaves nothing behind in this process: no socket,
// no timer, no file descriptor, no process listener.
import { readdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Codex } from "../../src/index.js";
import { createEnvironment, startListeningServer } from "../support/real-server.js";

const CYCLES = 100;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  counts["fd"] = process.platform === "linux" ? readdirSync("/proc/self/fd").length : 0;
  for (const event of process.eventNames()) counts[`process:${String(event)}`] = process.listenerCount(event);
  return counts;
}

/** Resources of the kinds a connection could leak. */
function leakable(counts: Record<string, number>): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const [name, count] of Object.entries(counts))
    if (/TCP|Pipe|Timeout|Immediate|fd|process:/.test(name)) kept[name] = count;
  return kept;
}

async function settled(before: Record<string, number>): Promise<Record<string, number>> {
  // Sockets finish closing a few ticks after close() resolves; wait (bounded) for the counts to come back.
  let now = leakable(resources());
  for (let round = 0; round < 200 && JSON.stringify(now) !== JSON.stringify(before); round++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    now = leakable(resources());
  }
  return now;
}

describe(`${CYCLES} connect/close cycles over ws`, () => {
  it("leave no socket, timer, descriptor or listener behind", { timeout: 120_000 }, async () => {
    await using env = await createEnvironment();
    const tokenFile = path.join(env.codexHome, "ws-token");
    const token = randomBytes(16).toString("hex");
    writeFileSync(tokenFile, token, { mode: 0o600 });
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", [
      "--ws-auth",
      "capability-token",
      "--ws-token-file",
      tokenFile,
    ]);
    // One cycle first, so lazily created module state (DNS, agent) is not counted as a leak.
    await (await Codex.connect(server.url, { token, reconnect: { maxAttempts: 3 } })).close();
    const before = await settled(leakable(resources()));
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const codex = await Codex.connect(server.url, { token, reconnect: { maxAttempts: 3 } });
      await codex.client.request("thread/loaded/list", {});
      await codex.close();
    }
    expect(await settled(before)).toEqual(before);
  });
});
