// U+2028 and U+2029 are legal raw inside JSON strings, and serde_json (the app-server) writes them
// raw. A reader that splits decoded text on line terminators (node:readline) would cut a message
// in two there; the SDK splits on "\n" bytes only.
import { reply } from "@codex/sdk-testing";
import { describe, expect, it } from "vitest";
import { Codex } from "../../src/index.js";
import { childPids } from "../support/processes.js";
import { scriptedPair } from "../support/scripted-server.js";
import { answerThreadsAndTurns, wireTurn } from "../support/wire.js";
import { startRealServer } from "../support/real-server.js";

const PIECES = ["line\u2028", "\u2029para ", "a\u2028\u2029b ", "\u2028", "emoji 🎉 and é\u2029", " end\u2028"];
const TEXT = PIECES.join("");

describe("U+2028 / U+2029 inside deltas", () => {
  it("survive chunk splits inside their UTF-8 bytes (in-memory server)", { timeout: 10_000 }, async () => {
    const { clientEnd, server } = scriptedPair();
    server.answerInitialize();
    answerThreadsAndTurns(server);
    await using codex = await Codex.start({ transport: clientEnd });
    const thread = await codex.threadStart({});
    const turn = await thread.turn("go");
    const turnId = turn.id;
    const lines = [
      { method: "turn/started", params: { threadId: thread.id, turn: wireTurn(turnId) } },
      ...PIECES.map((delta) => ({
        method: "item/agentMessage/delta",
        params: { threadId: thread.id, turnId, itemId: "m1", delta },
      })),
      {
        method: "item/completed",
        params: { threadId: thread.id, turnId, item: { type: "agentMessage", id: "m1", text: TEXT, phase: null } },
      },
      { method: "turn/completed", params: { threadId: thread.id, turn: wireTurn(turnId, "completed") } },
    ].map((message) => `${JSON.stringify(message)}\n`);
    const bytes = new TextEncoder().encode(lines.join(""));
    // Raw separators really are on the wire (JSON.stringify leaves them unescaped).
    expect(lines.join("")).toContain("\u2028");
    // Chunks of 1 to 3 bytes: every separator's 3-byte sequence is cut somewhere.
    for (let offset = 0, size = 1; offset < bytes.length; offset += size, size = (size % 3) + 1) {
      await server.sendRaw(bytes.subarray(offset, offset + size));
    }
    const deltas: string[] = [];
    for await (const n of turn.stream()) if (n.method === "item/agentMessage/delta") deltas.push(n.params.delta);
    expect(deltas).toEqual(PIECES);
    const result = await turn.run();
    expect(result.text).toBe(TEXT);
    expect(result.finalResponse).toBe(TEXT);
  });

  it("survive a real app-server turn end to end", { timeout: 30_000 }, async () => {
    await using server = await startRealServer({ environment: { streamIdleTimeoutMs: 20_000 } });
    server.env.fakeModel.enqueue(reply.text(TEXT, { chunks: PIECES }));
    const thread = await server.codex.threadStart({});
    const turn = await thread.turn("say the separators");
    const deltas: string[] = [];
    for await (const n of turn.stream()) if (n.method === "item/agentMessage/delta") deltas.push(n.params.delta);
    expect(deltas.join("")).toBe(TEXT);
    const result = await turn.run();
    expect(result.status).toBe("completed");
    expect(result.text).toBe(TEXT);
    expect(result.finalResponse).toBe(TEXT);
    // The thread as stored by the server agrees.
    const read = await thread.read({ includeTurns: true });
    expect(JSON.stringify(read.thread.turns)).toContain(JSON.stringify(TEXT).slice(1, -1));
  });

  it("leaves no process behind", () => {
    expect(childPids()).toEqual([]);
  });
});
