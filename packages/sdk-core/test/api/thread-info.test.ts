// thread.info, thread.lastUsage and codex.metadata.serverName against the real app-server.
import { reply } from "@codex/sdk-testing";
import type { ThreadTokenUsage } from "@codex/protocol-types/experimental";
import { describe, expect, test } from "vitest";
import { Codex } from "../../src/index.js";
import { codexBin, createEnvironment, startRealServer } from "../support/real-server.js";

const TIMEOUT = { timeout: 40_000 };

describe("thread.info, thread.lastUsage, metadata.serverName", () => {
  test(
    "serverName is the name before the version in the user agent (codex puts clientInfo.name there)",
    TIMEOUT,
    async () => {
      await using t = await startRealServer();
      expect(t.codex.metadata.serverName).toBe("codex_sdk_ts");
      await using named = await Codex.start({ codexBin, ...t.env, clientInfo: { name: "codex", version: "1.0.0" } });
      expect(named.metadata.serverName).toBe("codex");
      expect(named.metadata.serverVersion).toBe(t.codex.metadata.serverVersion);
    },
  );

  test(
    "info is the start / fork reply, replaced by read(); a bound handle has none until it reads",
    TIMEOUT,
    async () => {
      await using t = await startRealServer();
      const thread = await t.codex.threadStart({ model: "model-one", approvalPolicy: "never", sandbox: "read-only" });
      const info = thread.info;
      expect(
        info && "model" in info ? [info.model, info.approvalPolicy, info.sandbox.type, info.thread.id] : undefined,
      ).toEqual(["model-one", "never", "readOnly", thread.id]);
      expect(info && "cwd" in info ? info.cwd : undefined).toEqual(expect.any(String));
      t.env.fakeModel.enqueue(reply.text("Hi."));
      await thread.run("Hello"); // a thread is stored (and can be forked) once it has a turn

      const fork = await t.codex.threadFork(thread.id, { model: "model-two" });
      expect(fork.info && "model" in fork.info ? [fork.info.model, fork.info.thread.forkedFromId] : undefined).toEqual([
        "model-two",
        thread.id,
      ]);

      const bound = t.codex.thread(thread.id);
      expect(bound.info).toBeUndefined();
      await thread.setName("named");
      const read = await bound.read();
      expect(bound.info).toBe(read);
      expect(bound.info?.thread.name).toBe("named");
      // The other handle keeps its own last reply.
      expect(thread.info).toBe(info);
    },
  );

  test(
    "lastUsage follows thread/tokenUsage/updated, and comes back after thread/resume in a new process",
    TIMEOUT,
    async () => {
      await using env = await createEnvironment();
      env.fakeModel.enqueue(reply.text("Counted.", { usage: { inputTokens: 42, outputTokens: 7 } }));
      let threadId: string;
      let usage: ThreadTokenUsage | null;
      {
        await using first = await Codex.start({ codexBin, ...env });
        const thread = await first.threadStart();
        threadId = thread.id;
        expect(thread.lastUsage).toBeNull();
        const result = await thread.run("Count my tokens");
        usage = thread.lastUsage;
        expect(usage?.last).toMatchObject({ inputTokens: 42, outputTokens: 7, totalTokens: 49 });
        expect(usage).toEqual(result.usage);
        // Every handle of the id sees it.
        expect(first.thread(threadId).lastUsage).toEqual(usage);
      }
      await using second = await Codex.start({ codexBin, ...env });
      // The server re-sends the thread's last usage just after the resume reply.
      const resent = new Promise<void>((resolve) => {
        second.client.onNotification("thread/tokenUsage/updated", (params) => {
          if (params.threadId === threadId) resolve();
        });
      });
      const resumed = await second.threadResume(threadId, { model: "resumed-model" });
      expect(resumed.info && "model" in resumed.info ? resumed.info.model : undefined).toBe("resumed-model");
      await resent;
      expect(resumed.lastUsage).toEqual(usage);
    },
  );
});
