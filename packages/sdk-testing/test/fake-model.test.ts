// The fake model over plain HTTP (no codex): wire format, scripting, request log, bounds, close.
import { afterEach, describe, expect, it } from "vitest";
import { defaultReply, startFakeModel, type FakeModel, type FakeModelOptions } from "../src/fake-model.js";
import { reply } from "../src/replies.js";
import { tracked } from "./support/leak-check.js";
import { isPortOpen } from "./support/processes.js";

const open: FakeModel[] = [];

async function start(options?: FakeModelOptions): Promise<FakeModel> {
  const fake = await startFakeModel(options);
  tracked.ports.add(fake.port);
  open.push(fake);
  return fake;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

interface ParsedEvent {
  event: string;
  data: string;
}

function parseSse(text: string): ParsedEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice("event: ".length) ?? "";
      const data = lines
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice("data: ".length))
        .join("\n");
      return { event, data };
    });
}

function userMessage(text: string) {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

function post(fake: FakeModel, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

describe("startFakeModel", () => {
  it("listens on 127.0.0.1 with a base_url ending in /v1", async () => {
    const fake = await start();
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
    expect(fake.port).toBeGreaterThan(0);
  });

  it("streams a text reply as Responses API events, deltas in the chosen chunks", async () => {
    const fake = await start();
    fake.enqueue(reply.text("Hi there", { chunks: ["Hi", " the", "re"], usage: { inputTokens: 5, outputTokens: 3 } }));
    const response = await post(fake, { model: "m", input: [userMessage("hello")] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = parseSse(await response.text());
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_item.done",
      "response.completed",
    ]);
    const parsed = events.map((e) => JSON.parse(e.data) as Record<string, any>);
    for (const [i, e] of events.entries()) expect(parsed[i]?.["type"]).toBe(e.event);
    expect(parsed.slice(2, 5).map((e) => e["delta"])).toEqual(["Hi", " the", "re"]);
    expect(parsed[5]?.["item"]).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "Hi there" }],
    });
    expect(parsed[6]?.["response"]["usage"]).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 8,
    });
  });

  it("sends tool calls as function_call and custom_tool_call items", async () => {
    const fake = await start();
    fake.enqueue(
      reply.toolCall({ cmd: "ls", workdir: "/x", yieldTimeMs: 500, callId: "c1", text: "Let me look." }),
      reply.applyPatch("*** Begin Patch\n*** End Patch\n", { callId: "c2" }),
    );
    const first = parseSse(await (await post(fake, { input: [] })).text()).map(
      (e) => JSON.parse(e.data) as Record<string, any>,
    );
    const call = first.find((e) => e["type"] === "response.output_item.done" && e["item"].type === "function_call");
    expect(call?.["item"]).toMatchObject({ name: "exec_command", call_id: "c1" });
    expect(JSON.parse(call?.["item"].arguments)).toEqual({ cmd: "ls", workdir: "/x", yield_time_ms: 500 });
    expect(first.filter((e) => e["type"] === "response.output_text.delta").map((e) => e["delta"])).toEqual([
      "Let me look.",
    ]);
    const second = parseSse(await (await post(fake, { input: [] })).text()).map(
      (e) => JSON.parse(e.data) as Record<string, any>,
    );
    const patch = second.find((e) => e["type"] === "response.output_item.done");
    expect(patch?.["item"]).toEqual({
      type: "custom_tool_call",
      id: expect.any(String),
      call_id: "c2",
      name: "apply_patch",
      input: "*** Begin Patch\n*** End Patch\n",
      status: "completed",
    });
  });

  it("answers in queue order, passes the request to reply functions, then falls back to the default", async () => {
    const fake = await start();
    fake.enqueue(reply.text("one"), (request) => reply.text(`two for ${request.prompt}`));
    expect(fake.pending).toBe(2);
    const texts: string[] = [];
    for (const prompt of ["a", "b", "c"]) {
      const events = parseSse(await (await post(fake, { input: [userMessage(prompt)] })).text());
      const done = events.find((e) => e.event === "response.output_item.done");
      texts.push(
        (JSON.parse(done?.data ?? "{}") as { item: { content: Array<{ text: string }> } }).item.content[0]?.text ?? "",
      );
    }
    expect(texts).toEqual(["one", "two for b", "You said: c"]);
    expect(fake.requests.map((r) => r.answeredBy)).toEqual(["scripted", "scripted", "default"]);
    expect(fake.pending).toBe(0);
  });

  it("routes replies to matching requests before the plain queue", async () => {
    const fake = await start();
    fake.enqueue(reply.text("plain"));
    fake.enqueueFor({ prompt: /^b/ }, reply.text("for b"));
    fake.enqueueFor({ threadId: "t-1" }, reply.text("for t-1"), reply.text("again t-1"));
    fake.enqueueFor((request) => request.prompt === "never", reply.text("unused"));
    expect(fake.pending).toBe(5);
    const texts: string[] = [];
    for (const [prompt, thread] of [
      ["a", "t-1"],
      ["bee", "t-2"],
      ["c", "t-2"],
      ["d", "t-1"],
      ["e", "t-3"],
    ] as const) {
      const events = parseSse(
        await (await post(fake, { input: [userMessage(prompt)] }, { "thread-id": thread })).text(),
      );
      const done = events.find((e) => e.event === "response.output_item.done");
      texts.push(
        (JSON.parse(done?.data ?? "{}") as { item: { content: Array<{ text: string }> } }).item.content[0]?.text ?? "",
      );
    }
    expect(texts).toEqual(["for t-1", "for b", "plain", "again t-1", "You said: e"]);
    expect(fake.pending).toBe(1);
    expect(fake.requests.map((r) => r.threadId)).toEqual(["t-1", "t-2", "t-2", "t-1", "t-3"]);
  });

  it("reads codex's thread id, turn id and request kind", async () => {
    const fake = await start();
    await (
      await post(
        fake,
        { input: [], client_metadata: { turn_id: "turn-9" } },
        { "x-codex-turn-metadata": JSON.stringify({ thread_id: "thread-9", turn_id: "turn-9", request_kind: "turn" }) },
      )
    ).text();
    expect(fake.requests[0]).toMatchObject({ threadId: "thread-9", turnId: "turn-9", requestKind: "turn" });
  });

  it("clearQueue drops scripted replies", async () => {
    const fake = await start();
    fake.enqueue(reply.httpError(500)).enqueueFor({ prompt: "x" }, reply.httpError(500)).clearQueue();
    expect(fake.pending).toBe(0);
    expect((await post(fake, { input: [userMessage("x")] })).status).toBe(200);
  });

  it("logs the prompt (skipping <...> context) and the tool outputs codex sent back", async () => {
    const fake = await start();
    await (
      await post(
        fake,
        {
          model: "fake-model",
          input: [
            userMessage("<environment_context>cwd</environment_context>"),
            userMessage("first question"),
            { type: "message", role: "assistant", content: [{ type: "output_text", text: "answer" }] },
            {
              type: "message",
              role: "user",
              content: [
                { type: "input_text", text: "second question" },
                { type: "input_text", text: "<turn_aborted/>" },
              ],
            },
            { type: "function_call", call_id: "c1", name: "exec_command", arguments: "{}" },
            { type: "function_call_output", call_id: "c1", output: "plain output" },
            {
              type: "custom_tool_call_output",
              call_id: "c2",
              output: [
                { type: "input_text", text: "part 1, " },
                { type: "input_text", text: "part 2" },
              ],
            },
          ],
        },
        { authorization: "Bearer k" },
      )
    ).text();
    const [request] = await fake.waitForRequests(1);
    expect(request).toMatchObject({
      index: 0,
      method: "POST",
      path: "/v1/responses",
      model: "fake-model",
      prompt: "second question",
    });
    expect(request?.headers["authorization"]).toBe("Bearer k");
    expect(request?.toolOutputs).toEqual([
      { type: "function_call_output", callId: "c1", output: "plain output", raw: "plain output" },
      { type: "custom_tool_call_output", callId: "c2", output: "part 1, part 2", raw: expect.any(Array) },
    ]);
    // After a tool result, the default reply wraps up instead of echoing.
    expect(defaultReply(request!)).toMatchObject({ kind: "text", text: "Done." });
  });

  it("sends HTTP errors with an OpenAI-style body and retry-after", async () => {
    const fake = await start();
    fake.enqueue(
      reply.httpError(429, { retryAfter: 7 }),
      reply.httpError(400, { body: "plain", headers: { "x-test": "1" } }),
    );
    const limited = await post(fake, { input: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(await limited.json()).toEqual({
      error: { message: expect.any(String), type: "requests", param: null, code: "rate_limit_exceeded" },
    });
    const bad = await post(fake, { input: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-test")).toBe("1");
    expect(await bad.text()).toBe("plain");
  });

  it("sends response.failed, malformed data and raw events as scripted", async () => {
    const fake = await start();
    fake.enqueue(
      reply.failed({ code: "rate_limit_exceeded", message: "slow down", partialText: "so far" }),
      reply.malformed(),
      reply.events([{ type: "custom.event", data: { a: 1 } }]),
    );
    const failed = parseSse(await (await post(fake, { input: [] })).text());
    expect(failed.map((e) => e.event)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.output_text.delta",
      "response.failed",
    ]);
    expect(JSON.parse(failed[3]?.data ?? "")).toMatchObject({
      response: { status: "failed", error: { code: "rate_limit_exceeded", message: "slow down" } },
    });
    const malformed = parseSse(await (await post(fake, { input: [] })).text());
    expect(() => JSON.parse(malformed[1]?.data ?? "")).toThrow();
    expect(JSON.parse(malformed[2]?.data ?? "")).toEqual({ type: "response.completed", response: "malformed" });
    const raw = parseSse(await (await post(fake, { input: [] })).text());
    expect(raw).toEqual([{ event: "custom.event", data: '{"type":"custom.event","a":1}' }]);
  });

  it("drops the connection mid-stream after the partial text", async () => {
    const fake = await start();
    fake.enqueue(reply.drop({ partialText: "half" }));
    const response = await post(fake, { input: [] });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let received = "";
    const error = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          received += new TextDecoder().decode(value);
        }
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(Error);
    expect(received).toContain('"delta":"half"');
    expect(received).not.toContain("response.completed");
  });

  it("holds a hanging stream until its bound, then destroys it", { timeout: 5000 }, async () => {
    const fake = await start();
    fake.enqueue(reply.hang({ maxMs: 200 }));
    const response = await post(fake, { input: [] });
    await expect(response.text()).rejects.toThrow();
  });

  it("close() destroys hanging streams, rejects waiters, is idempotent and frees the port", {
    timeout: 5000,
  }, async () => {
    const fake = await start({ maxHangMs: 60_000 });
    fake.enqueue(reply.hang());
    const response = await post(fake, { input: [] });
    expect(fake.activeResponses).toBe(1);
    const body = response.text().then(
      () => undefined,
      (error: unknown) => error,
    );
    const waiting = fake.waitForRequests(5).then(
      () => undefined,
      (error: unknown) => error,
    );
    const closing = fake.close();
    expect(fake.close()).toBe(closing);
    await closing;
    expect(await body).toBeInstanceOf(Error);
    expect(String(await waiting)).toContain("closed");
    expect(await isPortOpen(fake.port)).toBe(false);
    expect(fake.activeResponses).toBe(0);
    expect(() => fake.enqueue(reply.text("late"))).toThrow("closed");
  });

  it("supports await using", async () => {
    let port = 0;
    {
      await using fake = await startFakeModel();
      tracked.ports.add(fake.port);
      port = fake.port;
      expect(await isPortOpen(port)).toBe(true);
    }
    expect(await isPortOpen(port)).toBe(false);
  });

  it("waitForRequests times out with a clear message", async () => {
    const fake = await start();
    await expect(fake.waitForRequests(1, { timeoutMs: 50 })).rejects.toThrow(
      "Timed out after 50 ms waiting for 1 requests",
    );
  });

  it("rejects a wrong API key, a too large body and other paths without using the queue", async () => {
    const fake = await start({ apiKey: "right", maxRequestBytes: 1000 });
    fake.enqueue(reply.text("kept"));
    expect((await post(fake, { input: [] }, { authorization: "Bearer wrong" })).status).toBe(401);
    expect(
      (await post(fake, { input: [userMessage("x".repeat(2000))] }, { authorization: "Bearer right" })).status,
    ).toBe(413);
    expect((await fetch(`${fake.url}/models`)).status).toBe(404);
    expect(fake.requests.map((r) => r.answeredBy)).toEqual(["rejected", "rejected", "rejected"]);
    expect(fake.pending).toBe(1);
    expect((await post(fake, { input: [] }, { authorization: "Bearer right" })).status).toBe(200);
    expect(fake.pending).toBe(0);
  });

  it("reads gzip-encoded bodies", async () => {
    const { gzipSync } = await import("node:zlib");
    const fake = await start();
    const response = await fetch(`${fake.url}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ input: [userMessage("zipped")] })),
    });
    await response.text();
    expect(fake.requests[0]?.prompt).toBe("zipped");
  });

  it("answers 500 when a reply function throws", async () => {
    const fake = await start();
    fake.enqueue(() => {
      throw new Error("script bug");
    });
    const response = await post(fake, { input: [] });
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("script bug");
  });

  it("streams a slow reply completely", async () => {
    const fake = await start();
    fake.enqueue(reply.slow("a b c", { delayMs: 20 }));
    const events = parseSse(await (await post(fake, { input: [] })).text());
    expect(events.at(-1)?.event).toBe("response.completed");
    expect(events.filter((e) => e.event === "response.output_text.delta")).toHaveLength(3);
  });
});

describe("reply builders", () => {
  it("validate their input", () => {
    expect(() => reply.text("abc", { chunks: ["a", "b"] })).toThrow("do not join");
    expect(() => reply.httpError(200)).toThrow(RangeError);
    expect(() => reply.toolCall({})).toThrow("give `cmd` or `arguments`");
  });

  it("split text into word-sized chunks by default", () => {
    expect(reply.text("one two  three").chunks).toEqual(["one ", "two  ", "three"]);
    expect(reply.text("").chunks).toEqual([""]);
  });

  it("give fresh call ids", () => {
    expect(reply.toolCall({ cmd: "a" }).callId).not.toBe(reply.toolCall({ cmd: "a" }).callId);
  });
});
