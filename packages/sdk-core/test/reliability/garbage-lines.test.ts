// Garbage and oversized lines on the server's stdout: logged and skipped, never fatal; an
// oversized reply fails only its own request; a line with no end does not grow memory past the
// limit; and everything well-formed around the garbage still arrives.
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import { describe, expect, it } from "vitest";
import { Codex, CodexError } from "../../src/index.js";
import { childPids } from "../support/processes.js";
import { scriptedPair } from "../support/scripted-server.js";
import { answerThreadsAndTurns, wireTurn } from "../support/wire.js";
import { heapAfterGc } from "./helpers.js";
import { codexBin, createEnvironment } from "../support/real-server.js";

const GARBAGE: (string | Uint8Array)[] = [
  "not json at all\n",
  Uint8Array.from([0xff, 0xfe, 0xfd, 0x0a]),
  "[1,2,3]\n",
  "42\n",
  "null\n",
  '"a string"\n',
  '{"no":"method or id"}\n',
  '{"id":{"weird":true},"method":"x"}\n',
  '{"id":987654,"result":"a reply to nobody"}\n',
  '{"truncated": \n',
  "\r\n",
  "\n\n\n",
];

function recorder() {
  const entries: { level: string; message: string }[] = [];
  return { entries, logger: (level: string, message: string) => void entries.push({ level, message }) };
}

describe("garbage and oversized lines", () => {
  it("skips garbage and oversized lines between well-formed messages (in-memory server)", {
    timeout: 10_000,
  }, async () => {
    const log = recorder();
    const { clientEnd, server } = scriptedPair({ maxMessageBytes: 64 * 1024, logger: log.logger });
    server.answerInitialize();
    answerThreadsAndTurns(server);
    await using codex = await Codex.start({ transport: clientEnd, logger: log.logger });
    const thread = await codex.threadStart({});
    const turn = await thread.turn("go");

    // A request whose reply will be oversized, sent before the junk.
    const big = codex.client.request("thread/read", { threadId: thread.id });
    const bigRequest = await server.request("thread/read");
    const delta = (text: string) => ({
      method: "item/agentMessage/delta",
      params: { threadId: thread.id, turnId: turn.id, itemId: "m", delta: text },
    });
    await server.send(delta("one "));
    for (const junk of GARBAGE) await server.sendRaw(junk);
    // An oversized notification, in one chunk, then an oversized reply split over many chunks.
    await server.sendRaw(`${JSON.stringify({ method: "junk/big", params: { pad: "y".repeat(200_000) } })}\n`);
    await server.send(delta("two "));
    const oversizedReply = `${JSON.stringify({ id: bigRequest.id, result: { pad: "z".repeat(300_000) } })}\n`;
    for (let offset = 0; offset < oversizedReply.length; offset += 10_000)
      await server.sendRaw(oversizedReply.slice(offset, offset + 10_000));
    for (const junk of GARBAGE) await server.sendRaw(junk);
    await server.send(delta("three"));
    await server.send({
      method: "turn/completed",
      params: { threadId: thread.id, turn: wireTurn(turn.id, "completed") },
    });

    const result = await turn.run();
    expect(result.text).toBe("one two three");
    await expect(big).rejects.toSatisfy(
      (error: unknown) => CodexError.isInstance(error) && /maxMessageBytes/.test((error as Error).message),
    );
    // The connection is still healthy afterwards.
    const second = await thread.turn("again");
    await server.send({
      method: "turn/completed",
      params: { threadId: thread.id, turn: wireTurn(second.id, "completed") },
    });
    expect((await second.run()).status).toBe("completed");
    // Each skipped line was reported, not swallowed silently.
    const warnings = log.entries.filter((e) => e.level === "warn" || e.level === "error");
    expect(warnings.length).toBeGreaterThanOrEqual(2 * 9 + 2);
  });

  it("a line that never ends costs no more memory than the limit", { timeout: 20_000 }, async () => {
    const log = recorder();
    const { clientEnd, server } = scriptedPair({ maxMessageBytes: 1024 * 1024, logger: log.logger });
    server.answerInitialize();
    await using codex = await Codex.start({ transport: clientEnd, logger: log.logger });
    const seen: string[] = [];
    codex.client.onNotification("*", (n) => void seen.push(String(n.method)));
    const before = heapAfterGc();
    const chunk = new Uint8Array(64 * 1024).fill(0x61); // "aaaa…", no newline
    for (let sent = 0; sent < 64 * 1024 * 1024; sent += chunk.length) await server.sendRaw(chunk);
    await server.sendRaw("\n");
    await server.send({ method: "after/the/flood", params: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const grown = heapAfterGc() - before;
    expect(seen).toContain("after/the/flood");
    // 64 MiB went by; the decoder kept at most the 1 MiB limit (plus slack for the test's own objects).
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    expect(log.entries.filter((e) => e.level === "error" && /maxMessageBytes/.test(e.message))).toHaveLength(1);
  });

  it("a real app-server behind a noisy launcher: banners, junk and an oversized line in between", {
    timeout: 30_000,
  }, async () => {
    await using env = await createEnvironment({
      env: { NOISY_OVERSIZED_BYTES: String(256 * 1024) },
    });
    env.fakeModel.enqueue(reply.text("Hello through the noise", { chunks: ["Hello ", "through ", "the ", "noise"] }));
    const log = recorder();
    const launcher = path.join(import.meta.dirname, "fixtures", "noisy-launcher.mjs");
    const codex = await Codex.start({
      ...env,
      launchArgs: [process.execPath, launcher, codexBin, "app-server"],
      maxMessageBytes: 128 * 1024,
      logger: log.logger,
    });
    try {
      const thread = await codex.threadStart({});
      const result = await thread.run("hi");
      expect(result.status).toBe("completed");
      expect(result.text).toBe("Hello through the noise");
      expect(result.finalResponse).toBe("Hello through the noise");
      const again = await thread.run("hi again");
      expect(again.status).toBe("completed");
      expect(log.entries.some((e) => /maxMessageBytes/.test(e.message))).toBe(true);
      expect(log.entries.some((e) => e.level === "warn" && /not JSON|not a JSON-RPC/.test(e.message))).toBe(true);
    } finally {
      await codex.close();
    }
    expect(childPids()).toEqual([]);
  });
});
