// thread.events() sees a turn another client started: two `Codex.connect()` clients on one
// listening app-server (real binary), the second resuming the thread the first started.
import { reply } from "@codex/sdk-testing";
import { describe, expect, test } from "vitest";
import { Codex, type ThreadNotification } from "../../src/index.js";
import { createEnvironment, startListeningServer } from "../support/real-server.js";

describe("thread.events() across clients", () => {
  test("the first client's events() yields the turn a second client ran on the thread", {
    timeout: 60_000,
  }, async () => {
    await using env = await createEnvironment();
    await using server = await startListeningServer(env, "ws://127.0.0.1:0");
    await using first = await Codex.connect(server.url, { clientInfo: { name: "first", version: "1.0.0" } });
    await using second = await Codex.connect(server.url, { clientInfo: { name: "second", version: "1.0.0" } });

    const thread = await first.threadStart();
    const controller = new AbortController();
    const events = thread.events({ signal: controller.signal });
    env.fakeModel.enqueue(
      reply.text("Answered for the first client."),
      reply.text("Answered for the second client.", { chunks: ["Answered ", "for the ", "second client."] }),
    );
    // A thread can be resumed once it is stored, after its first turn.
    const own = await thread.run("Hello from the first client");

    // The same server has the thread loaded: the second client subscribes by resuming it.
    const shared = await second.threadResume(thread.id);
    const result = await shared.run("Hello from the second client");
    expect(result.status).toBe("completed");

    const seen: ThreadNotification[] = [];
    try {
      for await (const event of events) {
        seen.push(event);
        if (event.method === "turn/completed" && event.params.turn.id === result.id) controller.abort();
      }
    } catch {
      // aborted once the second client's turn was seen to complete
    }
    const deltas = seen.flatMap((event) =>
      event.method === "item/agentMessage/delta" && event.params.turnId === result.id ? [event.params.delta] : [],
    );
    expect(deltas.join("")).toBe("Answered for the second client.");
    expect(seen.some((event) => event.method === "turn/completed" && event.params.turn.id === own.id)).toBe(true);
    expect(seen.some((event) => event.method === "turn/started" && event.params.turn.id === result.id)).toBe(true);
    const threadOf = (event: ThreadNotification) => {
      const params = event.params as { threadId?: string; thread?: { id?: string } };
      return params.threadId ?? params.thread?.id;
    };
    expect(seen.every((event) => threadOf(event) === thread.id)).toBe(true);
  });
});
