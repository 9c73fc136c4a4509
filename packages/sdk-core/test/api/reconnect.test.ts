// Codex over a reconnecting transport, with in-memory servers: after the connection is replaced,
// `initialize` runs again and the threads this client holds are resumed — not the ones it
// unsubscribed, archived, or saw archived or deleted, nor the ones only bound with codex.thread(id).
import { describe, expect, it } from "vitest";
import type { ConnectionState } from "../../src/index.js";
import { type ScriptedServer, startReconnectable } from "../support/scripted-server.js";
import { until } from "../support/wait.js";
import { wireTurn } from "../support/wire.js";

/** Answers what Codex sends: threads `thread-1`, `thread-2`, ...; every other request with `{}` or a fitting result. */
function serve(server: ScriptedServer): void {
  let threads = 0;
  server.on("thread/start", (request, s) => s.reply(request.id, { thread: { id: `thread-${++threads}` } }));
  server.on("thread/resume", (request, s) => s.reply(request.id, { thread: { id: request.params["threadId"] } }));
  server.on("thread/unsubscribe", (request, s) => s.reply(request.id, { status: "unsubscribed" }));
  server.on("turn/start", (request, s) => s.reply(request.id, { turn: wireTurn("turn-1") }));
  server.on("*", (request, s) => s.reply(request.id, {}));
}

describe("Codex after a reconnect", () => {
  it("initializes again and resumes the threads it holds, and only those", async () => {
    const { codex, servers } = await startReconnectable(serve, { reconnect: { initialDelayMs: 1, maxAttempts: 3 } });
    const states: ConnectionState[] = [];
    codex.onConnectionChange((state) => states.push(state));
    try {
      const kept = await codex.threadStart();
      const unsubscribed = await codex.threadStart();
      const archived = await codex.threadStart();
      const seenArchived = await codex.threadStart();
      // Bound without a request: not held, so not resumed...
      codex.thread("thread-bound");
      // ...until a turn runs on it.
      const boundAndUsed = codex.thread("thread-used");
      await boundAndUsed.turn("hi");
      await unsubscribed.unsubscribe();
      await codex.threadArchive(archived.id);
      // Archived by another client: the server says so.
      const archivedSeen = new Promise<void>((resolve) => {
        const subscription = codex.client.onNotification("thread/archived", () => {
          subscription.dispose();
          resolve();
        });
      });
      await servers[0]!.send({ method: "thread/archived", params: { threadId: seenArchived.id } });
      await archivedSeen;

      await servers[0]!.closeWith({ reason: "server restarted" });
      await until(() => states.at(-1) === "connected");
      expect(states).toEqual(["reconnecting", "connected"]);
      const second = servers[1]!.received;
      expect(second[0]).toMatchObject({ method: "initialize" });
      expect(second[1]).toEqual({ method: "initialized" });
      const resumed = second
        .filter((message) => message.method === "thread/resume")
        .map((message) => message.params?.["threadId"]);
      expect(resumed.sort()).toEqual([kept.id, boundAndUsed.id].sort());
      expect(codex.connectionState).toBe("connected");
    } finally {
      await codex.close();
    }
    expect(states.at(-1)).toBe("closed");
    expect(await codex.closed).toMatchObject({ reason: "closed by the client" });
  });
});
