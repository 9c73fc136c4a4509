// ServerRequestContext (threadId, turnId, item, thread) and per-turn server-request handlers
// against the real app-server: command approvals under approvalPolicy "untrusted".
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { CodexOptions, ServerRequestContext } from "../../src/index.js";
import { startRealServer, type RealServer } from "../support/real-server.js";

// The shell tool starts a login shell (~2 s here); the command must finish inside the turn.
const TIMEOUT = { timeout: 45_000 };
let workdir: string;

beforeEach(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-request-context-"));
});
afterEach(async () => {
  await rm(workdir, { recursive: true, force: true });
});

async function start(codex: CodexOptions = {}): Promise<RealServer> {
  return startRealServer({ codex, environment: { streamIdleTimeoutMs: 20_000 } });
}

/** What the scope of a Codex still keeps (private; read for the no-state-past-the-turn check). */
function kept(t: RealServer): { turnsWithItems: number; turnsWithHandlers: number } {
  type Scope = { size: { turnsWithItems: number; turnsWithHandlers: number } };
  return (t.codex.client as unknown as { serverRequests: { scope: Scope } }).serverRequests.scope.size;
}

function touchTurn(t: RealServer, name: string) {
  const target = path.join(workdir, name);
  t.env.fakeModel.enqueue(
    reply.toolCall({ cmd: `touch ${target}`, workdir, yieldTimeMs: 15_000 }),
    reply.text("Done."),
  );
  return target;
}

describe("server requests with context, per turn", () => {
  test(
    "a per-turn handler answers its turn's approval first and sees threadId, turnId, item and thread",
    TIMEOUT,
    async () => {
      const connectionWide: string[] = [];
      await using t = await start({
        serverRequests: {
          "item/commandExecution/requestApproval": (params) => {
            connectionWide.push(params.turnId);
            return { decision: "decline" };
          },
        },
      });
      const thread = await t.codex.threadStart({
        approvalPolicy: "untrusted",
        sandbox: "workspace-write",
        cwd: workdir,
      });

      const contexts: ServerRequestContext[] = [];
      const first = touchTurn(t, "first.txt");
      const turn = await thread.turn("Create the first file", {
        serverRequests: {
          "item/commandExecution/requestApproval": (_params, context) => {
            contexts.push(context);
            // The item tells what the command is about, without a map kept by hand.
            return {
              decision:
                context.item?.type === "commandExecution" && context.item.command.includes("first.txt")
                  ? "accept"
                  : "decline",
            };
          },
        },
      });
      const result = await turn.run();
      expect(result.status).toBe("completed");
      expect(existsSync(first)).toBe(true);
      expect(connectionWide).toEqual([]);
      expect(contexts).toHaveLength(1);
      const context = contexts[0]!;
      expect(context).toMatchObject({
        threadId: thread.id,
        turnId: turn.id,
        method: "item/commandExecution/requestApproval",
      });
      expect(context.item).toMatchObject({ type: "commandExecution", status: "inProgress" });
      expect(context.thread?.id).toBe(thread.id);

      // The next turn has no handlers of its own: the connection-wide one answers (declines).
      const second = touchTurn(t, "second.txt");
      const next = await thread.run("Create the second file");
      expect(next.status).toBe("completed");
      expect(existsSync(second)).toBe(false);
      expect(connectionWide).toEqual([next.id]);
      expect(contexts).toHaveLength(1);

      // Nothing of either turn is kept once it is over.
      expect(kept(t)).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
    },
  );

  test("a per-turn handler without the method falls back to the connection-wide handler", TIMEOUT, async () => {
    const connectionWide: ServerRequestContext[] = [];
    await using t = await start({
      serverRequests: {
        "item/commandExecution/requestApproval": (_params, context) => {
          connectionWide.push(context);
          return { decision: "accept" };
        },
      },
    });
    const thread = await t.codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write", cwd: workdir });
    const target = touchTurn(t, "fallback.txt");
    const result = await thread.run("Create it", {
      serverRequests: { "item/fileChange/requestApproval": () => ({ decision: "decline" }) },
    });
    expect(result.status).toBe("completed");
    expect(existsSync(target)).toBe(true);
    // Connection-wide handlers get the same context.
    expect(connectionWide[0]?.item?.type).toBe("commandExecution");
    expect(connectionWide[0]?.thread?.id).toBe(thread.id);
    expect(kept(t)).toEqual({ turnsWithItems: 0, turnsWithHandlers: 0 });
  });

  test("a handler returning undefined sends the safe reply (decline) and logs a warning", TIMEOUT, async () => {
    const warnings: string[] = [];
    await using t = await start({
      logger: { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} },
      serverRequests: { "item/commandExecution/requestApproval": () => undefined as never },
    });
    const thread = await t.codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write", cwd: workdir });
    const target = touchTurn(t, "undefined.txt");
    const result = await thread.run("Create it");
    expect(result.status).toBe("completed");
    expect(existsSync(target)).toBe(false);
    const command = result.items.find((item) => item.type === "commandExecution");
    expect(command?.type === "commandExecution" && command.status).toBe("declined");
    expect(warnings.some((warning) => /returned undefined; sending the safe reply/.test(warning))).toBe(true);
  });
});
