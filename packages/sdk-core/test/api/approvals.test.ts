// Command approvals under approvalPolicy "untrusted", judged by the command's effect on disk.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import type { CommandExecutionRequestApprovalParams } from "@codex/protocol-types/experimental";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { CodexOptions, TurnResult } from "../../src/index.js";
import { startRealServer, type RealServer } from "../support/real-server.js";

// The shell tool starts a login shell (~2 s here); the command must finish inside the turn.
const TIMEOUT = { timeout: 45_000 };
let workdir: string;

beforeEach(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-approvals-"));
});
afterEach(async () => {
  await rm(workdir, { recursive: true, force: true });
});

/** Runs one turn whose model asks to `touch` a file; returns the result and whether the file exists. */
async function runTouch(t: RealServer): Promise<{ result: TurnResult; created: boolean }> {
  const target = path.join(workdir, "approved.txt");
  t.env.fakeModel.enqueue(
    reply.toolCall({ cmd: `touch ${target}`, workdir, yieldTimeMs: 15_000 }),
    reply.text("Done."),
  );
  const thread = await t.codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write", cwd: workdir });
  const result = await thread.run("Create the file");
  return { result, created: existsSync(target) };
}

function commandItem(result: TurnResult) {
  const item = result.items.find((candidate) => candidate.type === "commandExecution");
  if (item?.type !== "commandExecution") throw new Error("the turn has no commandExecution item");
  return item;
}

async function start(codex: CodexOptions = {}): Promise<RealServer> {
  return startRealServer({ codex, environment: { streamIdleTimeoutMs: 20_000 } });
}

describe("approvals", () => {
  test("a handler that accepts: the command runs", TIMEOUT, async () => {
    const asked: CommandExecutionRequestApprovalParams[] = [];
    await using t = await start({
      serverRequests: {
        "item/commandExecution/requestApproval": (params) => {
          asked.push(params);
          return { decision: "accept" };
        },
      },
    });
    const { result, created } = await runTouch(t);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.command).toContain("touch");
    expect(result.status).toBe("completed");
    expect(commandItem(result).status).toBe("completed");
    expect(created).toBe(true);
  });

  test("a handler that declines (registered on codex.client): the command does not run", TIMEOUT, async () => {
    await using t = await start();
    let asked = 0;
    using _handler = t.codex.client.onServerRequest("item/commandExecution/requestApproval", async () => {
      asked++;
      return { decision: "decline" };
    });
    const { result, created } = await runTouch(t);
    expect(asked).toBe(1);
    expect(result.status).toBe("completed");
    expect(commandItem(result).status).toBe("declined");
    expect(created).toBe(false);
  });

  test("a handler that throws: the request is declined", TIMEOUT, async () => {
    let asked = 0;
    await using t = await start({
      logger: () => {},
      serverRequests: {
        "item/commandExecution/requestApproval": () => {
          asked++;
          throw new Error("the approval UI crashed");
        },
      },
    });
    const { result, created } = await runTouch(t);
    expect(asked).toBe(1);
    expect(commandItem(result).status).toBe("declined");
    expect(created).toBe(false);
  });

  test("no handler: the request is declined", TIMEOUT, async () => {
    await using t = await start();
    const { result, created } = await runTouch(t);
    expect(result.status).toBe("completed");
    expect(commandItem(result).status).toBe("declined");
    expect(created).toBe(false);
  });
});
