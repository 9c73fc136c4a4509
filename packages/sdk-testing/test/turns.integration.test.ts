// Healthy turns against the real app-server: streamed text, a shell tool call, apply_patch under a
// known model slug, a slow stream, and an unscripted turn answered by the default reply.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnvironment, type TestEnvironment } from "../src/codex-home.js";
import { reply } from "../src/replies.js";
import { AppServerDriver, type DriverNotification } from "./support/json-rpc-driver.js";
import { tracked } from "./support/leak-check.js";
import { openSession, type Session } from "./support/session.js";

function deltasOf(events: DriverNotification[]): unknown[] {
  return events.filter((n) => n.method === "item/agentMessage/delta").map((n) => n.params["delta"]);
}

function completedItems(events: DriverNotification[], type: string): Array<Record<string, unknown>> {
  return events
    .filter((n) => n.method === "item/completed")
    .map((n) => n.params["item"] as Record<string, unknown>)
    .filter((item) => item["type"] === type);
}

describe("turns through createTestEnvironment (the fake checks the API key codex sends)", () => {
  let env: TestEnvironment;
  let driver: AppServerDriver;

  beforeAll(async () => {
    env = await createTestEnvironment();
    tracked.ports.add(env.fakeModel.port);
    tracked.dirs.add(env.codexHome);
    driver = new AppServerDriver({ env: env.env, args: env.appServerArgs });
    await driver.initialize();
  }, 20_000);

  afterAll(async () => {
    await driver?.close();
    await env?.dispose();
  }, 20_000);

  it("streams a text reply in the chosen chunks and reports its usage", { timeout: 15_000 }, async () => {
    const { fakeModel } = env;
    fakeModel.enqueue(
      reply.text("Hello from a scripted turn!", {
        chunks: ["Hel", "lo from ", "a scripted", " turn!"],
        usage: { inputTokens: 42, cachedInputTokens: 2, outputTokens: 7, reasoningOutputTokens: 1 },
      }),
    );
    const threadId = await driver.startThread({});
    const run = await driver.runTurn(threadId, "Say hello");

    expect(run.turn.status).toBe("completed");
    expect(run.turn.error).toBeNull();
    expect(deltasOf(run.events)).toEqual(["Hel", "lo from ", "a scripted", " turn!"]);
    expect(completedItems(run.events, "agentMessage").map((item) => item["text"])).toEqual([
      "Hello from a scripted turn!",
    ]);
    expect(run.turn.items).toMatchObject([{ type: "agentMessage", text: "Hello from a scripted turn!" }]);

    const usage = run.events.filter((n) => n.method === "thread/tokenUsage/updated").at(-1);
    expect(usage?.params["tokenUsage"]).toMatchObject({
      last: { inputTokens: 42, cachedInputTokens: 2, outputTokens: 7, reasoningOutputTokens: 1, totalTokens: 49 },
    });

    expect(fakeModel.requests).toHaveLength(1);
    const request = fakeModel.requests[0];
    expect(request?.prompt).toBe("Say hello");
    expect(request?.path).toBe("/v1/responses");
    expect(request?.answeredBy).toBe("scripted");
    expect(request?.model).toBe("fake-model");
    expect(request?.headers["authorization"]).toBe(`Bearer ${env.env["FAKE_OPENAI_API_KEY"]}`);
  });

  it("runs an exec_command tool call and logs the function_call_output codex sent back", {
    timeout: 15_000,
  }, async () => {
    const { fakeModel } = env;
    const before = fakeModel.requests.length;
    fakeModel.enqueue(
      reply.toolCall({ cmd: "printf 'tool-output-%s' 42", callId: "call_printf" }),
      reply.text("The command printed tool-output-42."),
    );
    const threadId = await driver.startThread({});
    const run = await driver.runTurn(threadId, "Run printf");

    expect(run.turn.status).toBe("completed");
    const commands = completedItems(run.events, "commandExecution");
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ id: "call_printf", status: "completed", exitCode: 0 });
    expect(String(commands[0]?.["aggregatedOutput"])).toContain("tool-output-42");
    expect(completedItems(run.events, "agentMessage").map((item) => item["text"])).toEqual([
      "The command printed tool-output-42.",
    ]);

    await fakeModel.waitForRequests(before + 2, { timeoutMs: 1000 });
    const followUp = fakeModel.requests[before + 1];
    expect(followUp?.prompt).toBe("Run printf");
    expect(followUp?.toolOutputs).toHaveLength(1);
    expect(followUp?.toolOutputs[0]).toMatchObject({ type: "function_call_output", callId: "call_printf" });
    expect(followUp?.toolOutputs[0]?.output).toContain("tool-output-42");
    expect(followUp?.toolOutputs[0]?.output).toContain("Process exited with code 0");
  });

  it("routes replies per thread when two turns run at once", { timeout: 15_000 }, async () => {
    const { fakeModel } = env;
    const before = fakeModel.requests.length;
    const [first, second] = await Promise.all([driver.startThread({}), driver.startThread({})]);
    fakeModel.enqueueFor({ threadId: second }, reply.slow("second thread", { delayMs: 50 }));
    fakeModel.enqueueFor({ threadId: first }, reply.slow("first thread", { delayMs: 50 }));
    const [runFirst, runSecond] = await Promise.all([driver.runTurn(first, "one"), driver.runTurn(second, "two")]);
    expect(completedItems(runFirst.events, "agentMessage").map((item) => item["text"])).toEqual(["first thread"]);
    expect(completedItems(runSecond.events, "agentMessage").map((item) => item["text"])).toEqual(["second thread"]);
    const requests = fakeModel.requests.slice(before);
    expect(requests).toHaveLength(2);
    const byThread = new Map(requests.map((request) => [request.threadId, request]));
    expect(byThread.get(first)).toMatchObject({
      prompt: "one",
      turnId: runFirst.turnId,
      requestKind: "turn",
      answeredBy: "scripted",
    });
    expect(byThread.get(second)).toMatchObject({
      prompt: "two",
      turnId: runSecond.turnId,
      requestKind: "turn",
      answeredBy: "scripted",
    });
  });

  it("completes a slow stream whose pauses stay under the idle timeout", { timeout: 15_000 }, async () => {
    env.fakeModel.enqueue(reply.slow("slow but steady", { delayMs: 250 }));
    const threadId = await driver.startThread({});
    const run = await driver.runTurn(threadId, "Take your time");
    expect(run.turn.status).toBe("completed");
    expect(deltasOf(run.events)).toEqual(["slow ", "but ", "steady"]);
  });

  it("answers an unscripted turn with the default reply, so a demo never stalls", { timeout: 15_000 }, async () => {
    const before = env.fakeModel.requests.length;
    const threadId = await driver.startThread({});
    const run = await driver.runTurn(threadId, "What is 2 + 2?");
    expect(run.turn.status).toBe("completed");
    expect(completedItems(run.events, "agentMessage").map((item) => item["text"])).toEqual([
      "You said: What is 2 + 2?",
    ]);
    expect(deltasOf(run.events).length).toBeGreaterThan(1);
    expect(env.fakeModel.requests[before]?.answeredBy).toBe("default");
  });
});

describe("apply_patch under a known model slug", () => {
  let session: Session;
  let workDir: string;

  beforeAll(async () => {
    session = await openSession({ home: { model: "gpt-5.5", sandboxMode: "workspace-write" } });
    workDir = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-testing-work-"));
    tracked.dirs.add(workDir);
  }, 20_000);

  afterAll(async () => {
    await session?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, 20_000);

  it("applies the patch and sends back a custom_tool_call_output", { timeout: 15_000 }, async () => {
    const { driver, fake } = session;
    fake.enqueue(
      reply.applyPatch("*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n", {
        callId: "call_patch",
      }),
      reply.text("Created hello.txt."),
    );
    const threadId = await driver.startThread({ cwd: workDir });
    const run = await driver.runTurn(threadId, "Create hello.txt");

    expect(run.turn.status).toBe("completed");
    expect(completedItems(run.events, "fileChange")).toMatchObject([{ id: "call_patch", status: "completed" }]);
    expect(readFileSync(path.join(workDir, "hello.txt"), "utf8")).toBe("hello from apply_patch\n");

    const tools = (fake.requests[0]?.body as { tools?: Array<{ name?: string }> } | undefined)?.tools?.map(
      (tool) => tool.name,
    );
    expect(tools).toContain("apply_patch");
    expect(fake.requests[0]?.model).toBe("gpt-5.5");
    expect(fake.requests[1]?.toolOutputs).toMatchObject([{ type: "custom_tool_call_output", callId: "call_patch" }]);
    expect(existsSync(path.join(workDir, "hello.txt"))).toBe(true);
  });
});

describe("interrupting a hanging stream", () => {
  let session: Session;

  beforeAll(async () => {
    // A long idle timeout, so only the interrupt can end the turn.
    session = await openSession({ home: { streamIdleTimeoutMs: 10_000 } });
  }, 20_000);

  afterAll(async () => {
    await session?.close();
  }, 20_000);

  it("ends the turn as interrupted and codex hangs up on the fake", { timeout: 15_000 }, async () => {
    const { driver, fake } = session;
    fake.enqueue(reply.hang({ partialText: "thinking" }));
    const threadId = await driver.startThread({});
    const started = await driver.request<{ turn: { id: string } }>("turn/start", {
      threadId,
      input: [{ type: "text", text: "Wait forever" }],
    });
    await driver.waitFor((n) => n.method === "item/agentMessage/delta" && n.params.turnId === started.turn.id);
    expect(fake.activeResponses).toBe(1);
    await driver.request("turn/interrupt", { threadId, turnId: started.turn.id });
    const completed = await driver.waitFor((n) => n.method === "turn/completed");
    expect(completed.params["turn"]).toMatchObject({ id: started.turn.id, status: "interrupted", error: null });
    // Bounded poll: codex closes the connection right after the interrupt.
    for (let attempt = 0; attempt < 40 && fake.activeResponses > 0; attempt++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.activeResponses).toBe(0);
  });
});
