import { describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  AbortError,
  CodexError,
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  ServerBusyError,
  TimeoutError,
  TransportClosedError,
  NotificationBufferOverflowError,
  InvalidInputError,
} from "../../src/errors.js";
import type { Notification } from "../../src/notification.js";
import { AppServerClient } from "../../src/rpc/client.js";
import { createInMemoryTransportPair } from "../../src/rpc/transport.js";
import { connectClient } from "../support/scripted-server.js";
import { recordingLogger } from "../support/recording-logger.js";
import { flush } from "../support/wait.js";

const initializeParams = { clientInfo: { name: "test", version: "1.0.0" }, capabilities: null };

describe("AppServerClient requests", () => {
  it("sends id, method and params (no jsonrpc field) and resolves with the result", async () => {
    const { client, server } = connectClient();
    const result = client.request("initialize", initializeParams);
    const sent = await server.message(0);
    expect(sent).toEqual({ id: 1, method: "initialize", params: initializeParams });
    expect(server.lines[0]).not.toContain("jsonrpc");
    await server.reply(sent.id, {
      userAgent: "test/0.169.0",
      codexHome: "/h",
      platformFamily: "unix",
      platformOs: "linux",
    });
    await expect(result).resolves.toMatchObject({ userAgent: "test/0.169.0" });
    await client.close();
  });

  it("a method whose result the schema does not define is still callable, its result typed unknown", async () => {
    const { client, server } = connectClient();
    const result = client.request("modelProvider/default/set", { providerId: "fake" });
    // Checked by the package's typecheck: `unknown`, never `any`, so a caller must narrow it.
    expectTypeOf(result).resolves.toBeUnknown();
    expectTypeOf(result).resolves.not.toBeAny();
    const sent = await server.message(0);
    expect(sent).toEqual({ id: 1, method: "modelProvider/default/set", params: { providerId: "fake" } });
    await server.reply(sent.id, { providerId: "fake" });
    await expect(result).resolves.toEqual({ providerId: "fake" });
    await client.close();
  });

  it("always sends params: undefined becomes {}", async () => {
    const { client, server } = connectClient();
    void client.request("account/logout", undefined).catch(() => {});
    expect(await server.message(0)).toEqual({ id: 1, method: "account/logout", params: {} });
    await client.close();
  });

  it("writes requests in call order with increasing ids", async () => {
    const { client, server } = connectClient();
    const methods = ["thread/list", "model/list", "thread/loaded/list", "config/read", "thread/list"] as const;
    for (const method of methods) void client.request(method, {}).catch(() => {});
    const sent = await server.waitForMessages(methods.length);
    expect(sent.map((message) => message.method)).toEqual([...methods]);
    expect(sent.map((message) => message.id)).toEqual([1, 2, 3, 4, 5]);
    await client.close();
  });

  it("matches replies to requests whatever their order, and accepts ids echoed as strings", async () => {
    const { client, server } = connectClient();
    const first = client.request("thread/loaded/list", {});
    const second = client.request("thread/loaded/list", {});
    const [a, b] = await server.waitForMessages(2);
    await server.reply(b!.id, { data: ["second"], nextCursor: null });
    await server.reply(String(a!.id), { data: ["first"], nextCursor: null });
    await expect(first).resolves.toEqual({ data: ["first"], nextCursor: null });
    await expect(second).resolves.toEqual({ data: ["second"], nextCursor: null });
    await client.close();
  });

  it("maps the real server's -32600 replies to MethodNotFoundError and InvalidParamsError", async () => {
    const { client, server } = connectClient();
    const unknownMethod = client.requestUnchecked("no/such", {});
    const badType = client.request("thread/read", { threadId: 42 as unknown as string });
    const badEnum = client.request("thread/start", { approvalPolicy: "unlessTrusted" as never });
    const other = client.request("thread/read", { threadId: "t" });
    const [m1, m2, m3, m4] = await server.waitForMessages(4);
    await server.replyError(
      m1!.id,
      -32600,
      "Invalid request: unknown variant `no/such`, expected one of `initialize`, `thread/start`",
    );
    await server.replyError(m2!.id, -32600, "Invalid request: invalid type: integer `42`, expected a string");
    await server.replyError(
      m3!.id,
      -32600,
      "Invalid request: unknown variant `unlessTrusted`, expected one of `untrusted`, `on-request`",
    );
    await server.replyError(m4!.id, -32600, "thread not found: t");
    const error1 = await unknownMethod.catch((error: unknown) => error);
    expect(MethodNotFoundError.isInstance(error1)).toBe(true);
    expect((error1 as MethodNotFoundError).method).toBe("no/such");
    expect((error1 as MethodNotFoundError).code).toBe(-32600);
    expect(InvalidParamsError.isInstance(await badType.catch((error: unknown) => error))).toBe(true);
    expect(InvalidParamsError.isInstance(await badEnum.catch((error: unknown) => error))).toBe(true);
    const error4 = await other.catch((error: unknown) => error);
    expect(InvalidRequestError.isInstance(error4)).toBe(true);
    expect((error4 as InvalidRequestError).serverMessage).toBe("thread not found: t");
    await client.close();
  });

  it("maps -32001 to ServerBusyError", async () => {
    const { client, server } = connectClient();
    const pending = client.request("thread/list", {});
    await server.replyError((await server.message(0)).id, -32001, "Server overloaded; retry later.");
    const error = await pending.catch((e: unknown) => e);
    expect(ServerBusyError.isInstance(error)).toBe(true);
    await client.close();
  });

  it("keeps at most maxInFlight requests outstanding and queues the rest in order", async () => {
    const { client, server } = connectClient({ maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5].map(() => client.request("thread/loaded/list", {}));
    await server.waitForMessages(2);
    await flush();
    expect(server.received).toHaveLength(2);
    await server.reply(1, { data: ["1"], nextCursor: null });
    await server.waitForMessages(3);
    await flush();
    expect(server.received).toHaveLength(3);
    await server.reply(3, { data: ["3"], nextCursor: null });
    await server.reply(2, { data: ["2"], nextCursor: null });
    const sent = await server.waitForMessages(5);
    expect(sent.map((message) => message.id)).toEqual([1, 2, 3, 4, 5]);
    await server.reply(4, { data: ["4"], nextCursor: null });
    await server.reply(5, { data: ["5"], nextCursor: null });
    const all = await Promise.all(results);
    expect(all.map((result) => result.data[0])).toEqual(["1", "2", "3", "4", "5"]);
    await client.close();
  });

  it("times out a request with TimeoutError and frees its slot for the queue", async () => {
    const { client, server } = connectClient({ maxInFlight: 1 });
    const first = client.request("thread/list", {}, { timeoutMs: 30 });
    const second = client.request("thread/list", {});
    const error = await first.catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).method).toBe("thread/list");
    const sent = await server.message(1);
    expect(sent.id).toBe(2);
    // A late reply to the timed-out request is ignored.
    await server.reply(1, { data: [], nextCursor: null });
    await server.reply(2, { data: [], nextCursor: null });
    await expect(second).resolves.toEqual({ data: [], nextCursor: null });
    await client.close();
  });

  it("applies requestTimeoutMs by default", async () => {
    const { client } = connectClient({ requestTimeoutMs: 20 });
    const error = await client.request("thread/list", {}).catch((e: unknown) => e);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(20);
    await client.close();
  });

  it("aborts: a queued request is never sent, an in-flight one rejects with AbortError", async () => {
    const { client, server } = connectClient({ maxInFlight: 1 });
    const inFlightController = new AbortController();
    const queuedController = new AbortController();
    const inFlight = client.request("thread/list", {}, { signal: inFlightController.signal });
    const queued = client.request("model/list", {}, { signal: queuedController.signal });
    const third = client.request("thread/loaded/list", {});
    await server.message(0);
    queuedController.abort();
    const queuedError = await queued.catch((e: unknown) => e);
    expect(AbortError.isInstance(queuedError)).toBe(true);
    expect((queuedError as Error).name).toBe("AbortError");
    inFlightController.abort(new Error("user gave up"));
    const inFlightError = await inFlight.catch((e: unknown) => e);
    expect(AbortError.isInstance(inFlightError)).toBe(true);
    expect((inFlightError as AbortError).cause).toEqual(new Error("user gave up"));
    const next = await server.message(1);
    expect(next.method).toBe("thread/loaded/list");
    await server.reply(next.id, { data: [], nextCursor: null });
    await expect(third).resolves.toBeDefined();
    expect(server.received.map((message) => message.method)).not.toContain("model/list");
    await client.close();
  });

  it("rejects at once when the signal is already aborted", async () => {
    const { client, server } = connectClient();
    const error = await client.request("thread/list", {}, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(AbortError.isInstance(error)).toBe(true);
    await flush();
    expect(server.received).toHaveLength(0);
    await client.close();
  });

  it("retries on -32001 when asked (retryOnBusy)", async () => {
    const { client, server } = connectClient();
    const result = client.request("thread/list", {}, { retryOnBusy: { initialDelayMs: 1, maxAttempts: 3 } });
    await server.replyError((await server.message(0)).id, -32001, "Server overloaded; retry later.");
    await server.replyError((await server.message(1)).id, -32001, "Server overloaded; retry later.");
    await server.reply((await server.message(2)).id, { data: [], nextCursor: null });
    await expect(result).resolves.toEqual({ data: [], nextCursor: null });
    await client.close();
  });

  it("does not retry InvalidParamsError even with retryOnBusy", async () => {
    const { client, server } = connectClient();
    const result = client.request("thread/read", { threadId: "x" }, { retryOnBusy: { initialDelayMs: 1 } });
    await server.replyError((await server.message(0)).id, -32600, "Invalid request: missing field `threadId`");
    expect(InvalidParamsError.isInstance(await result.catch((e: unknown) => e))).toBe(true);
    await flush();
    expect(server.received).toHaveLength(1);
    await client.close();
  });

  it("rejects an oversized reply with a clear error and keeps serving the others", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({ maxMessageBytes: 200, logger });
    const big = client.request("thread/loaded/list", {});
    const small = client.request("thread/loaded/list", {});
    await server.waitForMessages(2);
    await server.reply(1, { data: ["x".repeat(500)], nextCursor: null });
    await server.reply(2, { data: ["ok"], nextCursor: null });
    const error = await big.catch((e: unknown) => e);
    expect(CodexError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/thread\/loaded\/list.*maxMessageBytes/);
    await expect(small).resolves.toEqual({ data: ["ok"], nextCursor: null });
    expect(entries.some((entry) => entry.level === "error" && entry.message.includes("maxMessageBytes"))).toBe(true);
    await client.close();
  });
});

describe("AppServerClient incoming lines", () => {
  it("tolerates banners before the first message, reports malformed lines after it, and never crashes", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({ logger });
    const seen: Notification[] = [];
    client.onNotification("*", (notification) => seen.push(notification));
    await server.sendRaw("Starting codex wrapper v1.2\nnot json either\n");
    await server.notify("configWarning", { summary: "a", details: null });
    await server.sendRaw('{broken json\n[1,2]\n42\n{"neither":true}\n');
    await server.notify("configWarning", { summary: "b", details: null });
    await flush();
    expect(seen.map((notification) => (notification.params as { summary: string }).summary)).toEqual(["a", "b"]);
    const debug = entries.filter((entry) => entry.level === "debug").map((entry) => entry.message);
    const warn = entries.filter((entry) => entry.level === "warn").map((entry) => entry.message);
    expect(debug.some((message) => message.includes("Starting codex wrapper"))).toBe(true);
    expect(warn).toHaveLength(4);
    expect(warn[0]).toContain("{broken json");
    await client.close();
  });

  it("reads CRLF lines, a leading BOM, split chunks and U+2028 inside strings", async () => {
    const { client, server } = connectClient();
    const seen: unknown[] = [];
    client.onNotification("configWarning", (params) => seen.push(params.summary));
    const payload = `\uFEFF${JSON.stringify({ method: "configWarning", params: { summary: "a\u2028b", details: null } })}\r\n`;
    const bytes = new TextEncoder().encode(
      `${payload + JSON.stringify({ method: "configWarning", params: { summary: "ü", details: null } })}\n`,
    );
    for (let index = 0; index < bytes.length; index += 3) await server.sendRaw(bytes.subarray(index, index + 3));
    await flush();
    expect(seen).toEqual(["a\u2028b", "ü"]);
    await client.close();
  });
});

describe("AppServerClient notifications", () => {
  it("calls method handlers with params and '*' handlers with the notification, in arrival order", async () => {
    const { client, server } = connectClient();
    const order: string[] = [];
    const off = client.onNotification("turn/started", (params, notification) => {
      order.push(`started:${params.turn.id}:${notification.method}`);
    });
    client.onNotification("*", (notification) => order.push(`*:${String(notification.method)}`));
    await server.notify("turn/started", { threadId: "t", turn: { id: "u1" } });
    await server.notify("item/agentMessage/delta", { threadId: "t", turnId: "u1", itemId: "i", delta: "hi" });
    await server.notify("future/method", { anything: 1 });
    await flush();
    off.dispose();
    off.dispose();
    await server.notify("turn/started", { threadId: "t", turn: { id: "u2" } });
    await flush();
    expect(order).toEqual([
      "started:u1:turn/started",
      "*:turn/started",
      "*:item/agentMessage/delta",
      "*:future/method",
      "*:turn/started",
    ]);
    await client.close();
  });

  it("keeps delivering when a handler throws, and logs the error", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({ logger });
    const seen: string[] = [];
    client.onNotification("configWarning", () => {
      throw new Error("handler bug");
    });
    client.onNotification("configWarning", (params) => seen.push(params.summary));
    await server.notify("configWarning", { summary: "x", details: null });
    await flush();
    expect(seen).toEqual(["x"]);
    expect(entries.some((entry) => entry.level === "error" && entry.message.includes("handler bug"))).toBe(true);
    await client.close();
  });

  it("notifications() yields every notification in order, buffering while the consumer is busy", async () => {
    const { client, server } = connectClient();
    const iterator = client.notifications();
    for (let index = 0; index < 5; index++)
      await server.notify("item/agentMessage/delta", { threadId: "t", turnId: "u", itemId: "i", delta: String(index) });
    await flush();
    const deltas: string[] = [];
    for await (const notification of iterator) {
      if (notification.method === "item/agentMessage/delta") deltas.push(notification.params.delta);
      if (deltas.length === 5) break;
    }
    expect(deltas).toEqual(["0", "1", "2", "3", "4"]);
    await client.close();
  });

  it("notifications() with maxBuffered keeps at most that many unread, then ends with NotificationBufferOverflowError", async () => {
    const { client, server } = connectClient();
    const bounded = client.notifications({ maxBuffered: 3 });
    const unbounded = client.notifications();
    for (let index = 0; index < 10; index++)
      await server.notify("item/agentMessage/delta", { threadId: "t", turnId: "u", itemId: "i", delta: String(index) });
    await flush();
    const kept: string[] = [];
    const error = await (async () => {
      for await (const notification of bounded)
        if (notification.method === "item/agentMessage/delta") kept.push(notification.params.delta);
    })().catch((e: unknown) => e);
    // The kept ones are delivered first; then the iterator says why it stopped.
    expect(kept).toEqual(["0", "1", "2"]);
    expect(NotificationBufferOverflowError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("maxBuffered");
    // Another iterator, and the connection, are unaffected.
    let count = 0;
    for await (const notification of unbounded)
      if (notification.method === "item/agentMessage/delta" && ++count === 10) break;
    expect(count).toBe(10);
    expect(() => client.notifications({ maxBuffered: 0 })).toThrow(InvalidInputError);
    expect(() => client.notifications({ maxBuffered: Number.NaN })).toThrow(InvalidInputError);
    await client.close();
  });

  it("notifications() ends when close() is called", async () => {
    const { client, server } = connectClient();
    const collected: string[] = [];
    const consumer = (async () => {
      for await (const notification of client.notifications()) collected.push(String(notification.method));
    })();
    await server.notify("configWarning", { summary: "x", details: null });
    await flush();
    await client.close();
    await expect(consumer).resolves.toBeUndefined();
    expect(collected).toEqual(["configWarning"]);
  });

  it("notifications() throws TransportClosedError when the server goes away, after the buffered ones", async () => {
    const { client, server, clientEnd } = connectClient();
    const iterator = client.notifications();
    await server.notify("configWarning", { summary: "x", details: null });
    await clientEnd.closeWith({ exitCode: 3, stderrTail: "panic!" });
    const first = await iterator.next();
    expect(first.done).toBe(false);
    const error = await iterator.next().catch((e: unknown) => e);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect((error as TransportClosedError).exitCode).toBe(3);
    expect((await iterator.next()).done).toBe(true);
  });

  it("notifications() rejects with AbortError when its signal aborts", async () => {
    const { client } = connectClient();
    const controller = new AbortController();
    const iterator = client.notifications({ signal: controller.signal });
    const next = iterator.next();
    controller.abort();
    expect(AbortError.isInstance(await next.catch((e: unknown) => e))).toBe(true);
    await client.close();
  });

  it("breaking out of notifications() unsubscribes", async () => {
    const { client, server } = connectClient();
    const iterator = client.notifications();
    await server.notify("configWarning", { summary: "x", details: null });
    await iterator.next();
    await iterator.return!();
    await server.notify("configWarning", { summary: "y", details: null });
    await flush();
    expect((await iterator.next()).done).toBe(true);
    await client.close();
  });
});

describe("AppServerClient server requests", () => {
  const approvalParams = { threadId: "t", turnId: "u", itemId: "i", command: "echo hi", cwd: "/", commandActions: [] };

  it("runs an async handler without blocking the reader and sends its result", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const received: unknown[] = [];
    const { client, server } = connectClient({
      serverRequests: {
        "item/commandExecution/requestApproval": async (params, context) => {
          received.push(params.command, context.requestId, context.signal.aborted);
          await gate;
          return { decision: "accept" };
        },
      },
    });
    const notes: string[] = [];
    client.onNotification("configWarning", (params) => notes.push(params.summary));
    await server.send({ method: "item/commandExecution/requestApproval", id: 0, params: approvalParams });
    await server.notify("configWarning", { summary: "while waiting", details: null });
    const reply = client.request("thread/loaded/list", {});
    await server.reply((await server.message(0)).id, { data: [], nextCursor: null });
    await expect(reply).resolves.toBeDefined();
    expect(notes).toEqual(["while waiting"]);
    release();
    const answer = await server.message(1);
    expect(answer).toEqual({ id: 0, result: { decision: "accept" } });
    expect(received).toEqual(["echo hi", 0, false]);
    await client.close();
  });

  it("declines approvals when there is no handler, each in its own response shape", async () => {
    const { client, server } = connectClient();
    const cases: [string, unknown][] = [
      ["item/commandExecution/requestApproval", { decision: "decline" }],
      ["item/fileChange/requestApproval", { decision: "decline" }],
      ["item/permissions/requestApproval", { permissions: {}, scope: "turn" }],
      ["mcpServer/elicitation/request", { action: "decline" }],
      ["execCommandApproval", { decision: { denied: { rejection: expect.any(String) } } }],
      ["applyPatchApproval", { decision: { denied: { rejection: expect.any(String) } } }],
    ];
    for (const [index, [method]] of cases.entries()) await server.send({ method, id: index, params: {} });
    const replies = await server.waitForMessages(cases.length);
    for (const [index, [, result]] of cases.entries()) {
      expect(replies.find((reply) => reply.id === index)).toEqual({ id: index, result });
    }
    await client.close();
  });

  it("answers other server requests without a handler with an error reply", async () => {
    const { client, server } = connectClient();
    await server.send({ method: "item/tool/requestUserInput", id: 5, params: {} });
    await server.send({ method: "brand/new/request", id: "s1", params: {} });
    const replies = await server.waitForMessages(2);
    const byId = new Map(replies.map((reply) => [reply.id, reply]));
    expect(byId.get(5)!.error).toMatchObject({ code: -32601, message: expect.stringContaining("no handler") });
    expect(byId.get("s1")!.error).toMatchObject({ code: -32601 });
    expect(byId.get(5)!.result).toBeUndefined();
    await client.close();
  });

  it("sends the safe reply when a handler throws, and logs it", async () => {
    const { logger, entries } = recordingLogger();
    const { client, server } = connectClient({
      logger,
      serverRequests: {
        "item/fileChange/requestApproval": () => {
          throw new Error("ui crashed");
        },
        "item/tool/call": async () => {
          throw new Error("tool broke");
        },
      },
    });
    await server.send({ method: "item/fileChange/requestApproval", id: 1, params: {} });
    await server.send({ method: "item/tool/call", id: 2, params: {} });
    const replies = await server.waitForMessages(2);
    const byId = new Map(replies.map((reply) => [reply.id, reply]));
    expect(byId.get(1)).toEqual({ id: 1, result: { decision: "decline" } });
    expect(byId.get(2)!.error).toMatchObject({ code: -32603, message: expect.stringContaining("tool broke") });
    expect(
      entries
        .filter((entry) => entry.level === "error")
        .map((entry) => entry.message)
        .join("\n"),
    ).toMatch(/ui crashed[\s\S]*tool broke/);
    await client.close();
  });

  it("aborts the handler's signal on serverRequest/resolved for its id, and sends no reply", async () => {
    let signal!: AbortSignal;
    let release!: () => void;
    const { client, server } = connectClient();
    client.onServerRequest("item/commandExecution/requestApproval", (_params, context) => {
      signal = context.signal;
      return new Promise((resolve) => {
        release = () => resolve({ decision: "accept" });
      });
    });
    await server.send({ method: "item/commandExecution/requestApproval", id: 7, params: approvalParams });
    await flush();
    await server.notify("serverRequest/resolved", { threadId: "t", requestId: 8 });
    await flush();
    expect(signal.aborted).toBe(false);
    await server.notify("serverRequest/resolved", { threadId: "t", requestId: 7 });
    await flush();
    expect(signal.aborted).toBe(true);
    release();
    await flush();
    expect(server.received).toHaveLength(0);
    await client.close();
  });

  it("aborts the signals of a turn's requests when the scope says the turn ended (turn/completed alone does not)", async () => {
    const signals: AbortSignal[] = [];
    const { client, server } = connectClient({
      serverRequests: {
        "item/commandExecution/requestApproval": (_params, context) => {
          signals.push(context.signal);
          return new Promise(() => {});
        },
      },
    });
    await server.send({
      method: "item/commandExecution/requestApproval",
      id: 1,
      params: { ...approvalParams, turnId: "u1" },
    });
    await server.send({
      method: "item/commandExecution/requestApproval",
      id: 2,
      params: { ...approvalParams, turnId: "u2" },
    });
    await flush();
    let endTurn!: (turnId: string) => void;
    client.setServerRequestScope({
      extend: (_params, context) => context,
      handlerFor: (_method, _context, fallback) => fallback,
      connect: (end) => {
        endTurn = end;
      },
    });
    // The client only routes notifications: whether a turn has ended is the turn router's word.
    await server.notify("turn/completed", {
      threadId: "t",
      turn: { id: "u1", items: [], status: "interrupted", error: null },
    });
    await flush();
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
    endTurn("u1");
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false]);
    await client.close();
  });

  it("aborts pending handlers' signals when the transport closes", async () => {
    let signal!: AbortSignal;
    const { client, server, clientEnd } = connectClient({
      serverRequests: {
        "item/tool/requestUserInput": (_params, context) => {
          signal = context.signal;
          return new Promise(() => {});
        },
      },
    });
    await server.send({ method: "item/tool/requestUserInput", id: 1, params: {} });
    await flush();
    await clientEnd.closeWith({ exitCode: 1 });
    await client.closed;
    expect(signal.aborted).toBe(true);
    expect(TransportClosedError.isInstance(signal.reason)).toBe(true);
  });

  it("onServerRequest replaces the handler until disposed", async () => {
    const { client, server } = connectClient({
      serverRequests: { "item/fileChange/requestApproval": () => ({ decision: "acceptForSession" }) },
    });
    const registration = client.onServerRequest("item/fileChange/requestApproval", () => ({ decision: "accept" }));
    await server.send({ method: "item/fileChange/requestApproval", id: 1, params: {} });
    expect((await server.message(0)).result).toEqual({ decision: "accept" });
    registration[Symbol.dispose]();
    await server.send({ method: "item/fileChange/requestApproval", id: 2, params: {} });
    expect((await server.message(1)).result).toEqual({ decision: "acceptForSession" });
    await client.close();
  });
});

describe("AppServerClient closing", () => {
  it("rejects every pending and queued request with TransportClosedError carrying exit code, signal and stderr tail", async () => {
    const { client, server, clientEnd } = connectClient({ maxInFlight: 2 });
    const requests = [1, 2, 3, 4].map(() => client.request("thread/list", {}));
    await server.waitForMessages(2);
    await clientEnd.closeWith({ exitCode: null, signal: "SIGKILL", stderrTail: "thread 'main' panicked" });
    const errors = await Promise.all(requests.map((request) => request.catch((error: unknown) => error)));
    for (const error of errors) {
      expect(TransportClosedError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ exitCode: null, signal: "SIGKILL", stderrTail: "thread 'main' panicked" });
      expect((error as Error).message).toContain("panicked");
    }
    const closed = await client.closed;
    expect(closed).toBe(errors[0]);
    expect(client.isClosed).toBe(true);
    expect(TransportClosedError.isInstance(await client.request("thread/list", {}).catch((e: unknown) => e))).toBe(
      true,
    );
    await expect(client.notify("initialized")).rejects.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));
  });

  it("close() is idempotent, rejects pending requests and resolves closed", async () => {
    const { client, server } = connectClient();
    const pending = client.request("thread/list", {});
    await server.message(0);
    const [a, b] = [client.close(), client.close()];
    await Promise.all([a, b]);
    const error = await pending.catch((e: unknown) => e);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect((error as TransportClosedError).reason).toBeDefined();
    await expect(client.closed).resolves.toSatisfy((e: unknown) => TransportClosedError.isInstance(e));
    await client.close();
  });

  it("works with await using", async () => {
    const [clientEnd] = createInMemoryTransportPair();
    {
      await using client = new AppServerClient(clientEnd);
      expect(client.isClosed).toBe(false);
    }
    const info = await clientEnd.closed;
    expect(info.reason).toBeDefined();
  });
});

describe("AppServerClient logging", () => {
  it("traces messages at debug level with secrets redacted", async () => {
    const lines: string[] = [];
    const { client, server } = connectClient({
      trace: true,
      logger: (level, message) => {
        if (level === "debug") lines.push(message);
      },
    });
    void client.request("account/login/start", { type: "apiKey", apiKey: "sk-secret-123" }).catch(() => {});
    const sent = await server.message(0);
    expect((sent.params as { apiKey: string }).apiKey).toBe("sk-secret-123");
    await server.send({
      method: "account/chatgptAuthTokens/refresh",
      id: 0,
      params: { accessToken: "tok-abc", reason: "unauthorized" },
    });
    await flush();
    const trace = lines.join("\n");
    expect(trace).toContain("→ ");
    expect(trace).toContain("← ");
    expect(trace).toContain("[redacted]");
    expect(trace).not.toContain("sk-secret-123");
    expect(trace).not.toContain("tok-abc");
    await client.close();
  });

  it("redacts credentials under every name the schema uses (AWS keys, session tokens, env vars)", async () => {
    const lines: string[] = [];
    const { client, server } = connectClient({
      trace: true,
      logger: (level, message) => void (level === "debug" && lines.push(message)),
    });
    void client
      .request("account/login/start", {
        type: "amazonBedrockAccessKeys",
        accessKeyId: "AKIA-ID-1",
        region: "us-east-1",
        secretAccessKey: "aws-secret-2",
        sessionToken: "aws-session-3",
      })
      .catch(() => {});
    void client
      .request("command/exec", {
        command: ["env"],
        env: { OPENAI_API_KEY: "sk-env-4", GITHUB_TOKEN: "ghp-env-5", HOME: "/home/me" },
      })
      .catch(() => {});
    await server.message(1);
    const trace = lines.join("\n");
    for (const secret of ["AKIA-ID-1", "aws-secret-2", "aws-session-3", "sk-env-4", "ghp-env-5"])
      expect(trace).not.toContain(secret);
    // Not everything: plain fields stay readable.
    expect(trace).toContain("us-east-1");
    expect(trace).toContain("/home/me");
    await client.close();
  });

  it("a throwing logger does not break the client", async () => {
    const { client, server } = connectClient({
      logger: () => {
        throw new Error("logger down");
      },
    });
    const seen = vi.fn();
    client.onNotification("configWarning", seen);
    await server.sendRaw("banner\n");
    await server.notify("configWarning", { summary: "x", details: null });
    await server.sendRaw("garbage after\n");
    await server.notify("configWarning", { summary: "y", details: null });
    await flush();
    expect(seen).toHaveBeenCalledTimes(2);
    await client.close();
  });
});
