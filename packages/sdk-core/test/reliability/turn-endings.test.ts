// Every turn ends and every abort tells the truth, against the real app-server: two turns at
// once on one thread, a thread unsubscribed mid-turn, an approval handler that answers nothing,
// and an abort while long requests hold every request slot.
import { reply, type RecordedRequest } from "@codex/sdk-testing";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError, TurnLostError, type TurnResult } from "../../src/index.js";
import { within } from "../support/wait.js";
import { childPids } from "../support/processes.js";
import { slowWords, startRealServer } from "../support/real-server.js";

const TIMEOUT = { timeout: 60_000 };
// Codex runs a login shell for its shell snapshot; that is slow here and not what is tested.
const FAST = { features: { shell_snapshot: false } };

afterEach(() => {
  expect(childPids()).toEqual([]);
});

/** The fake model: "slow" prompts stream 40 words slowly; anything else gets a short echo. */
function byPrompt(request: RecordedRequest) {
  const prompt = request.prompt ?? "";
  if (prompt.startsWith("slow")) return slowWords(40, 50);
  if (prompt.startsWith("long")) return slowWords(400, 50);
  return reply.text(`echo ${prompt}`);
}

describe("turn endings on the real app-server", () => {
  it("two thread.turn() at once on one thread: two turns, each with its own result", TIMEOUT, async () => {
    await using server = await startRealServer({
      environment: { streamIdleTimeoutMs: 20_000, fakeModel: { defaultReply: byPrompt } },
      codex: { config: FAST },
    });
    const thread = await server.codex.threadStart();
    const [first, second] = await Promise.all([thread.turn("slow first"), thread.turn("second")]);
    expect(first.id).not.toBe(second.id);
    const [a, b]: [TurnResult, TurnResult] = await Promise.all([first.run(), second.run()]);
    expect(a.status).toBe("completed");
    expect(b.status).toBe("completed");
    expect(a.text).toContain("w39");
    expect(b.text).toBe("echo second");
    expect(first.steered || second.steered).toBe(false);
  });

  it(
    "thread.unsubscribe() during a turn: run() rejects with TurnLostError instead of waiting forever",
    TIMEOUT,
    async () => {
      await using server = await startRealServer({
        environment: { streamIdleTimeoutMs: 20_000, fakeModel: { defaultReply: byPrompt } },
        codex: { config: FAST },
      });
      const thread = await server.codex.threadStart();
      const turn = await thread.turn("slow and long");
      const outcome = turn.run().catch((error: unknown) => error);
      for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
      expect(await thread.unsubscribe()).toBe("unsubscribed");
      const error = await within(outcome, 10_000);
      expect(TurnLostError.isInstance(error), String(error)).toBe(true);
      expect(server.codex.load.turns).toMatchObject({ turns: 0, reservations: 0, lanes: 0 });
    },
  );

  it(
    "codex.threadArchive() during a turn: the turn ends for its handle (the server interrupts it first)",
    TIMEOUT,
    async () => {
      await using server = await startRealServer({
        environment: { streamIdleTimeoutMs: 20_000, fakeModel: { defaultReply: byPrompt } },
        codex: { config: FAST },
      });
      const thread = await server.codex.threadStart();
      const turn = await thread.turn("long, to archive");
      const outcome = turn.run().catch((error: unknown) => error);
      for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
      await server.codex.threadArchive(thread.id);
      const ended = await within(outcome, 10_000);
      // The real server sends the turn's turn/completed (interrupted) before its archive reply.
      expect(
        ended === "still pending"
          ? ended
          : TurnLostError.isInstance(ended)
            ? "TurnLostError"
            : (ended as TurnResult).status,
      ).toMatch(/interrupted|TurnLostError/);
      expect(server.codex.load.turns).toMatchObject({ turns: 0, reservations: 0, lanes: 0 });
    },
  );

  it(
    "an approval handler that resolves undefined declines the command (not {}, which the server takes as a failure)",
    TIMEOUT,
    async () => {
      let asked = 0;
      await using server = await startRealServer({
        environment: { streamIdleTimeoutMs: 20_000 },
        codex: {
          config: FAST,
          logger: () => {},
          serverRequests: {
            "item/commandExecution/requestApproval": () => {
              asked++;
              return undefined as never;
            },
          },
        },
      });
      server.env.fakeModel.enqueue(reply.toolCall({ cmd: "echo approved", yieldTimeMs: 15_000 }), reply.text("Done."));
      const thread = await server.codex.threadStart({ approvalPolicy: "untrusted" });
      const result = await thread.run("Run it");
      expect(asked).toBe(1);
      const command = result.items.find((item) => item.type === "commandExecution");
      expect(command?.type === "commandExecution" && command.status).toBe("declined");
    },
  );

  it("an approval handler whose result JSON cannot encode still answers, so the turn completes", TIMEOUT, async () => {
    await using server = await startRealServer({
      environment: { streamIdleTimeoutMs: 20_000 },
      codex: {
        config: FAST,
        logger: () => {},
        serverRequests: { "item/commandExecution/requestApproval": () => ({ decision: "accept", at: 1n }) as never },
      },
    });
    server.env.fakeModel.enqueue(reply.toolCall({ cmd: "echo approved", yieldTimeMs: 15_000 }), reply.text("Done."));
    const thread = await server.codex.threadStart({ approvalPolicy: "untrusted" });
    const result = await within(thread.run("Run it"), 30_000);
    expect(result).toMatchObject({ status: "completed" });
  });

  it(
    "with the only request slot held by a tty command/exec, an abort still interrupts the turn and command/exec/terminate still ends the command",
    TIMEOUT,
    async () => {
      await using server = await startRealServer({
        environment: { streamIdleTimeoutMs: 20_000, fakeModel: { defaultReply: byPrompt } },
        codex: { config: FAST, maxInFlight: 1 },
      });
      const { codex } = server;
      const thread = await codex.threadStart();
      const controller = new AbortController();
      const statuses: string[] = [];
      codex.client.onNotification("turn/completed", (params) => void statuses.push(params.turn.status));
      // A 20 s reply: only an interrupt ends it within the bounds below.
      const turn = await thread.turn("long, to abort", { signal: controller.signal });
      const exec = codex.client
        .request("command/exec", { command: ["sleep", "60"], tty: true, processId: "held" })
        .catch((error: unknown) => error);
      // A request with a free slot is written at once: the exec holds the only slot now.
      controller.abort();
      const error = await within(
        turn.run().catch((caught: unknown) => caught),
        10_000,
      );
      expect(AbortError.isInstance(error), String(error)).toBe(true);
      expect(statuses).toEqual(["interrupted"]);
      await expect(
        within(codex.client.request("command/exec/terminate", { processId: "held" }), 15_000),
      ).resolves.toEqual({});
      const ended = await within(exec, 15_000);
      expect(ended).not.toBe("still pending");
    },
  );
});
