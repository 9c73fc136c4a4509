// Codex over a reconnecting transport, with in-memory servers: after the connection is replaced,
// `initialize` runs again and the threads this client holds are resumed — not the ones it
// unsubscribed, archived, or saw archived or deleted, nor the ones only bound with codex.thread(id).
import { describe, expect, it } from "vitest";
import { Codex, GENERATED_FOR_CODEX_VERSION, type CodexOptions, type ConnectionState } from "../../src/index.js";
import { createInMemoryTransportPair, type InMemoryTransport, type Transport } from "../../src/rpc.js";

interface Received {
  id?: number | string;
  method?: string;
  params?: { threadId?: string };
}

/** A server end: answers what Codex sends, records every message. */
function serve(end: InMemoryTransport): Received[] {
  const received: Received[] = [];
  let threads = 0;
  end.start({
    message: (raw) => {
      const message = raw as Received;
      received.push(message);
      if (message.id === undefined || message.method === undefined) return;
      const threadId = message.params?.threadId;
      const results: Record<string, unknown> = {
        initialize: {
          userAgent: `codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} (Scripted; test) scripted`,
          codexHome: "/home",
          platformFamily: "unix",
          platformOs: "linux",
        },
        "thread/start": { thread: { id: `thread-${++threads}` } },
        "thread/resume": { thread: { id: threadId } },
        "thread/unsubscribe": { status: "unsubscribed" },
        "thread/archive": {},
        "turn/start": {
          turn: {
            id: "turn-1",
            items: [],
            status: "inProgress",
            error: null,
            startedAt: 1,
            completedAt: null,
            durationMs: null,
          },
        },
      };
      void end.send({ id: message.id, result: results[message.method] ?? {} });
    },
  });
  return received;
}

/** Exposes the protected constructor path with a transport the test can replace. */
class ReconnectableCodex extends Codex {
  static open(first: Transport, reopen: () => Promise<Transport>, options: CodexOptions): Promise<Codex> {
    return this.initializeOver(first, options, [], reopen);
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let round = 0; round < 1_000 && !condition(); round++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}

describe("Codex after a reconnect", () => {
  it("initializes again and resumes the threads it holds, and only those", async () => {
    const ends: InMemoryTransport[] = [];
    const servers: Received[][] = [];
    const open = async (): Promise<Transport> => {
      const [client, server] = createInMemoryTransportPair();
      ends.push(server);
      servers.push(serve(server));
      return client;
    };
    const codex = await ReconnectableCodex.open(await open(), open, {
      reconnect: { initialDelayMs: 1, maxAttempts: 3 },
    });
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
      await ends[0]!.send({ method: "thread/archived", params: { threadId: seenArchived.id } });
      await archivedSeen;

      await ends[0]!.closeWith({ reason: "server restarted" });
      await until(() => states.at(-1) === "connected");
      expect(states).toEqual(["reconnecting", "connected"]);
      const second = servers[1]!;
      expect(second[0]).toMatchObject({ method: "initialize" });
      expect(second[1]).toEqual({ method: "initialized" });
      const resumed = second
        .filter((message) => message.method === "thread/resume")
        .map((message) => message.params?.threadId);
      expect(resumed.sort()).toEqual([kept.id, boundAndUsed.id].sort());
      expect(codex.connectionState).toBe("connected");
    } finally {
      await codex.close();
    }
    expect(states.at(-1)).toBe("closed");
    expect(await codex.closed).toMatchObject({ reason: "closed by the client" });
  });
});
