// Thread management and accounts against the real app-server.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import { describe, expect, test } from "vitest";
import { AbortError, Codex, JsonRpcError } from "../../src/index.js";
import { codexBin, createEnvironment, startRealServer } from "../support/real-server.js";

const TIMEOUT = { timeout: 40_000 };

function historyText(body: unknown): string {
  return JSON.stringify(body);
}

describe("threads", () => {
  test("resume in a second Codex on the same home continues the history and applies overrides", TIMEOUT, async () => {
    await using env = await createEnvironment();
    env.fakeModel.enqueue(reply.text("Nice to meet you, Ada."), reply.text("Your name is Ada."));
    let threadId: string;
    {
      await using first = await Codex.start({ codexBin, ...env });
      const thread = await first.threadStart();
      threadId = thread.id;
      expect((await thread.run("My name is Ada.")).finalResponse).toBe("Nice to meet you, Ada.");
    }
    await using second = await Codex.start({ codexBin, ...env });
    const resumed = await second.threadResume(threadId, { model: "resumed-model" });
    expect(resumed.id).toBe(threadId);
    const result = await resumed.run("What is my name?");
    expect(result.finalResponse).toBe("Your name is Ada.");
    const request = env.fakeModel.requests[1]!;
    expect(request.model).toBe("resumed-model");
    expect(historyText(request.body)).toContain("My name is Ada.");
    expect(historyText(request.body)).toContain("Nice to meet you, Ada.");
  });

  test("fork, read, setName, list, archive and unarchive", TIMEOUT, async () => {
    await using t = await startRealServer();
    t.env.fakeModel.enqueue(reply.text("First answer."), reply.text("Forked answer."));
    const thread = await t.codex.threadStart();
    await thread.run("First question");

    const fork = await t.codex.threadFork(thread.id);
    expect(fork.id).not.toBe(thread.id);
    await fork.run("Question on the fork");
    expect(historyText(t.env.fakeModel.requests[1]?.body)).toContain("First answer.");

    const read = await thread.read({ includeTurns: true });
    expect(read.thread.id).toBe(thread.id);
    expect(read.thread.turns).toHaveLength(1);
    expect((await fork.read()).thread.forkedFromId).toBe(thread.id);

    await thread.setName("The original");
    expect((await thread.read()).thread.name).toBe("The original");

    const listed = await t.codex.threadList();
    expect(listed.data.map((entry) => entry.id)).toEqual(expect.arrayContaining([thread.id, fork.id]));

    await t.codex.threadArchive(thread.id);
    expect((await t.codex.threadList()).data.map((entry) => entry.id)).not.toContain(thread.id);
    expect((await t.codex.threadList({ archived: true })).data.map((entry) => entry.id)).toContain(thread.id);

    const restored = await t.codex.threadUnarchive(thread.id);
    expect(restored.id).toBe(thread.id);
    expect((await t.codex.threadList()).data.map((entry) => entry.id)).toContain(thread.id);
  });

  test("thread(id) binds an existing live thread without a request", TIMEOUT, async () => {
    await using t = await startRealServer();
    t.env.fakeModel.enqueue(reply.text("One."), reply.text("Two."));
    const started = await t.codex.threadStart();
    await started.run("first");
    const bound = t.codex.thread(started.id);
    expect((await bound.run("second")).finalResponse).toBe("Two.");
  });

  test("compact() starts a compaction, which runs as a turn of the thread", TIMEOUT, async () => {
    await using t = await startRealServer();
    t.env.fakeModel.enqueue(reply.text("First."), reply.text("Summary of the conversation."));
    const thread = await t.codex.threadStart();
    await thread.run("Hello");
    const compacted = new Promise<string>((resolve) => {
      t.codex.client.onNotification("item/completed", (params) => {
        if (params.threadId === thread.id && params.item.type === "contextCompaction") resolve(params.turnId);
      });
    });
    await thread.compact();
    expect(await compacted).toEqual(expect.any(String));
    expect(t.env.fakeModel.requests.map((request) => request.requestKind)).toEqual(["turn", "compaction"]);
  });

  test("models() lists the built-in catalog", TIMEOUT, async () => {
    await using t = await startRealServer();
    const models = await t.codex.models();
    expect(models.data.length).toBeGreaterThan(0);
    expect(models.data[0]).toMatchObject({ id: expect.any(String), displayName: expect.any(String) });
  });
});

describe("accounts", () => {
  test("loginApiKey then account(), logout; browser login cancel; device code offline", TIMEOUT, async () => {
    // A home without the fake provider: the default OpenAI provider is the one that wants an account.
    const home = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-account-"));
    try {
      await using codex = await Codex.start({ codexBin, codexHome: home, env: { RUST_LOG: "error" } });
      expect((await codex.account()).account).toBeNull();

      await codex.loginApiKey("sk-test-not-a-real-key");
      const account = await codex.account();
      expect(account.account).toEqual({ type: "apiKey" });

      await codex.logout();
      expect((await codex.account()).account).toBeNull();

      const login = await codex.loginChatgpt();
      expect(login.loginId).toEqual(expect.any(String));
      expect(new URL(login.authUrl).protocol).toBe("https:");
      const controller = new AbortController();
      const waiting = login.wait({ signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toSatisfy((error) => AbortError.isInstance(error));
      // Aborting the wait cancelled the login on the server, which reports the outcome.
      const outcome = await login.wait();
      expect(outcome).toMatchObject({ loginId: login.loginId, success: false });

      // Offline, the device-code flow cannot reach the auth server: a typed error, not a hang.
      await expect(codex.loginChatgptDeviceCode()).rejects.toThrow(JsonRpcError);
    } finally {
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    }
  });
});
