// What the client does with input it cannot send, handlers that answer nothing, slots held by
// long requests, and the small edges of timeouts, retries and dispatch.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createJsonRpcError,
  InvalidInputError,
  RetryLimitExceededError,
  ServerBusyError,
  TimeoutError,
} from "../../src/errors.js";
import { AppServerClient, isControlRequest } from "../../src/rpc/client.js";
import { createInMemoryTransportPair } from "../../src/rpc/transport.js";
import { connectClient } from "../support/scripted-server.js";
import { recordingLogger } from "../support/recording-logger.js";
import { flush } from "../support/wait.js";

afterEach(() => {
  vi.useRealTimers();
});

const cycle: Record<string, unknown> = { name: "loop" };
cycle["self"] = cycle;
const unencodable: [string, unknown][] = [
  ["a BigInt", { limit: 10n }],
  ["a cycle", cycle],
  [
    "a throwing toJSON",
    {
      toJSON: () => {
        throw new Error("no JSON for you");
      },
    },
  ],
];

describe("params JSON cannot encode", () => {
  it.each(unencodable)("%s: rejects with InvalidInputError and takes no in-flight slot", async (_name, params) => {
    const { client, server } = connectClient({ maxInFlight: 1 });
    await expect(client.requestUnchecked("thread/list", params)).rejects.toSatisfy((error) =>
      InvalidInputError.isInstance(error),
    );
    // The only slot is free: the next request goes out at once.
    const next = client.request("thread/loaded/list", {});
    const sent = await server.message(0);
    expect(sent.method).toBe("thread/loaded/list");
    await server.reply(sent.id, { data: [], nextCursor: null });
    await expect(next).resolves.toEqual({ data: [], nextCursor: null });
    expect(client.load).toMatchObject({ pending: 0, queued: 0, inFlight: 0 });
    await client.close();
  });

  it("a request that would have been queued rejects at the call, and nothing is thrown into the reader", async () => {
    const { client, server } = connectClient({ maxInFlight: 1 });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const first = client.request("thread/loaded/list", {});
      const bad = client
        .requestUnchecked("thread/list", { limit: 10n })
        .catch((error: unknown) => Promise.reject(error));
      bad.catch(() => {});
      const after = client.request("model/list", {});
      const sent = await server.message(0);
      await server.reply(sent.id, { data: [], nextCursor: null });
      await expect(first).resolves.toBeDefined();
      await expect(bad).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
      const third = await server.message(1);
      expect(third.method).toBe("model/list");
      await server.reply(third.id, { data: [], nextCursor: null });
      await expect(after).resolves.toBeDefined();
      await flush();
      expect(uncaught).toEqual([]);
      expect(client.isClosed).toBe(false);
    } finally {
      process.off("uncaughtException", onUncaught);
      await client.close();
    }
  });

  it("a notification whose params cannot encode rejects with InvalidInputError", async () => {
    const { client } = connectClient();
    await expect(client.notify("initialized", { big: 1n } as never)).rejects.toSatisfy((error) =>
      InvalidInputError.isInstance(error),
    );
    await client.close();
  });
});

describe("a server-request handler that answers nothing usable", () => {
  const approvalParams = { threadId: "t", turnId: "u", itemId: "i", command: "echo hi", cwd: "/", commandActions: [] };

  it("resolving undefined sends the safe reply (decline), not {}, and warns", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({
      logger,
      serverRequests: { "item/commandExecution/requestApproval": () => undefined as never },
    });
    await server.send({ method: "item/commandExecution/requestApproval", id: 0, params: approvalParams });
    expect(await server.message(0)).toEqual({ id: 0, result: { decision: "decline" } });
    expect(entries.some((entry) => entry.level === "warn" && entry.message.includes("returned undefined"))).toBe(true);
    await client.close();
  });

  it("a result JSON cannot encode sends the safe reply instead of nothing, and warns", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({
      logger,
      serverRequests: { "item/fileChange/requestApproval": () => ({ decision: "accept", extra: 1n }) as never },
    });
    await server.send({
      method: "item/fileChange/requestApproval",
      id: 3,
      params: { threadId: "t", turnId: "u", itemId: "i", reason: null, grantRoot: null },
    });
    expect(await server.message(0)).toEqual({ id: 3, result: { decision: "decline" } });
    expect(entries.some((entry) => entry.level === "warn" && entry.message.includes("cannot encode"))).toBe(true);
    await client.close();
  });

  it("a question (no safe answer) whose handler resolves undefined gets an error reply", async () => {
    const { client, server } = connectClient({
      serverRequests: { "item/tool/requestUserInput": () => undefined as never },
    });
    await server.send({
      method: "item/tool/requestUserInput",
      id: 5,
      params: { threadId: "t", turnId: "u", itemId: "i", questions: [] },
    });
    const reply = await server.message(0);
    expect(reply.id).toBe(5);
    expect(reply.error?.code).toBe(-32603);
    await client.close();
  });
});

describe("control requests and maxInFlight", () => {
  it("names the methods that never wait behind maxInFlight", () => {
    for (const method of [
      "turn/interrupt",
      "turn/steer",
      "command/exec/terminate",
      "thread/backgroundTerminals/terminate",
      "account/login/cancel",
      "process/kill",
      "thread/realtime/stop",
      "command/exec/write",
    ]) {
      expect(isControlRequest(method), method).toBe(true);
    }
    for (const method of ["command/exec", "turn/start", "thread/list", "thread/unsubscribe"])
      expect(isControlRequest(method), method).toBe(false);
  });

  it("with every slot held by long command/exec requests, turn/interrupt and command/exec/terminate are sent at once", async () => {
    const { client, server } = connectClient({ maxInFlight: 2 });
    const execs = [1, 2].map((n) =>
      client
        .request("command/exec", { command: ["sleep", String(n)], tty: true, processId: `p${n}` } as never)
        .catch((e: unknown) => e),
    );
    await server.waitForMessages(2);
    const queued = client.request("thread/loaded/list", {}).catch((e: unknown) => e);
    const interrupt = client.request("turn/interrupt", { threadId: "t", turnId: "u" });
    const terminate = client.request("command/exec/terminate", { processId: "p1" });
    const sent = await server.waitForMessages(4);
    expect(sent.slice(2).map((message) => message.method)).toEqual(["turn/interrupt", "command/exec/terminate"]);
    await server.reply(sent[2]!.id, {});
    await server.reply(sent[3]!.id, {});
    await expect(interrupt).resolves.toEqual({});
    await expect(terminate).resolves.toEqual({});
    // The ordinary request still waits for a slot.
    await flush();
    expect(server.received.some((message) => message.method === "thread/loaded/list")).toBe(false);
    expect(client.load).toMatchObject({ inFlight: 2, queued: 1 });
    await client.close();
    await Promise.all([...execs, queued]);
  });
});

describe("timeouts", () => {
  it("requestTimeoutMs 0 is refused instead of timing every request out at once", () => {
    const [clientEnd] = createInMemoryTransportPair();
    expect(() => new AppServerClient(clientEnd, { requestTimeoutMs: 0 })).toThrow(InvalidInputError);
  });

  it("a request's timeoutMs of 0 is refused", async () => {
    const { client } = connectClient();
    await expect(client.request("thread/list", {}, { timeoutMs: 0 })).rejects.toSatisfy((error) =>
      InvalidInputError.isInstance(error),
    );
    await client.close();
  });

  it("with retryOnBusy, timeoutMs bounds the whole request, not each attempt", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { client, server } = connectClient();
    const request = client.request(
      "thread/list",
      {},
      { timeoutMs: 1000, retryOnBusy: { maxAttempts: 5, initialDelayMs: 0, jitterRatio: 0 } },
    );
    const outcome = request.then(
      () => "resolved",
      (error: unknown) => error,
    );
    const first = await server.message(0);
    await vi.advanceTimersByTimeAsync(700);
    await server.replyError(first.id, -32001, "Server overloaded; retry later.");
    await flush();
    await vi.advanceTimersByTimeAsync(1);
    await server.message(1);
    // 1000 ms after the call: the retried request is over, though its second attempt is only 300 ms old.
    await vi.advanceTimersByTimeAsync(310);
    await flush();
    const result = await Promise.race([outcome, Promise.resolve("still waiting")]);
    expect(TimeoutError.isInstance(result), String(result)).toBe(true);
    await client.close();
  });
});

describe("dispatch", () => {
  it("a handler registered while a notification is dispatched never sees that notification", async () => {
    const { client, server } = connectClient();
    const seen: string[] = [];
    client.onNotification("configWarning", (params) => {
      seen.push(`first:${params.summary}`);
      client.onNotification("configWarning", (later) => seen.push(`late:${later.summary}`));
    });
    client.onNotification("*", (notification) => {
      if (notification.method !== "configWarning") return;
      seen.push(`any:${(notification.params as { summary: string }).summary}`);
      client.onNotification("*", (later) => seen.push(`late-any:${later.method}`));
    });
    await server.notify("configWarning", { summary: "one", details: null });
    await flush();
    expect(seen).toEqual(["first:one", "any:one"]);
    await client.close();
  });

  it("a handler disposed by another during dispatch is not called for it", async () => {
    const { client, server } = connectClient();
    const seen: string[] = [];
    let second: { dispose(): void } | undefined;
    client.onNotification("configWarning", () => {
      seen.push("first");
      second?.dispose();
    });
    second = client.onNotification("configWarning", () => seen.push("second"));
    await server.notify("configWarning", { summary: "one", details: null });
    await flush();
    expect(seen).toEqual(["first"]);
    await client.close();
  });

  it("a -32700 reply with id null is reported as an error, not dropped at debug level", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({ logger });
    await server.send({ id: null, error: { code: -32700, message: "Parse error: expected value at line 1 column 1" } });
    await flush();
    expect(
      entries
        .filter((entry) => entry.level === "error")
        .map((entry) => entry.message)
        .join("\n"),
    ).toContain("Parse error");
    await client.close();
  });
});

describe("overload classification", () => {
  it("a -32600 flagged overloaded that names a retry limit is RetryLimitExceededError, which is not retried", () => {
    const error = createJsonRpcError({
      code: -32600,
      message: "Retry limit reached",
      data: { reason: "server_overloaded" },
    });
    expect(RetryLimitExceededError.isInstance(error)).toBe(true);
    const plain = createJsonRpcError({ code: -32600, message: "busy", data: { reason: "server_overloaded" } });
    expect(ServerBusyError.isInstance(plain) && !RetryLimitExceededError.isInstance(plain)).toBe(true);
  });
});
