// The client's instrumentation hook: what it is told, in the caller's order, and that a hook that
// throws never breaks the connection or a request.
import { describe, expect, it } from "vitest";
import { AppServerClient, type ClientInstrumentation } from "../../src/rpc.js";
import { scriptedPair } from "../support/scripted-server.js";
import { flush } from "../support/wait.js";

function connect(instrumentation: ClientInstrumentation) {
  const { clientEnd, server } = scriptedPair({ framing: "messages" });
  // Answer every request at once, echoing its method.
  server.on("*", (request, s) => s.reply(request.id, { echo: request.method }));
  const errors: string[] = [];
  const logger = { error: (message: string) => errors.push(message), warn: () => {}, info: () => {}, debug: () => {} };
  const client = new AppServerClient(clientEnd, { instrumentation, logger });
  const notify = (method: string, params: unknown) => server.send({ method, params });
  const serverRequest = (id: number, method: string, params: unknown) => server.send({ id, method, params });
  return { client, written: server.received, errors, notify, serverRequest };
}

describe("ClientInstrumentation", () => {
  it("sees each request with its outcome, sends its trace context, and sees notifications and server requests with their replies", async () => {
    const seen: string[] = [];
    const { client, written, notify, serverRequest } = connect({
      request: (method) => {
        seen.push(`request ${method}`);
        return {
          trace: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
          end: (outcome) => seen.push(`end ${method} ${outcome.ok}`),
        };
      },
      notification: (notification) => seen.push(`notification ${notification.method}`),
      serverRequest: ({ method, requestId }) => seen.push(`serverRequest ${method} ${requestId}`),
      serverReply: (reply) => seen.push(`serverReply ${reply.id} ${JSON.stringify(reply.result)}`),
      closed: () => seen.push("closed"),
    });
    await client.request("thread/loaded/list", {});
    await notify("thread/started", { thread: { id: "t" } });
    await serverRequest(0, "item/commandExecution/requestApproval", { threadId: "t", turnId: "u", itemId: "i" });
    await flush();
    await client.close();
    expect(seen).toEqual([
      "request thread/loaded/list",
      "end thread/loaded/list true",
      "notification thread/started",
      "serverRequest item/commandExecution/requestApproval 0",
      'serverReply 0 {"decision":"decline"}',
      "closed",
    ]);
    expect(written.find((message) => message["method"] === "thread/loaded/list")?.["trace"]).toEqual({
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
  });

  it("a hook that throws is logged once and skipped; requests, notifications and replies go on", async () => {
    const boom = () => {
      throw new Error("boom");
    };
    const { client, errors, notify, serverRequest, written } = connect({
      request: boom,
      notification: boom,
      serverRequest: boom,
      serverReply: boom,
      closed: boom,
    });
    const heard: string[] = [];
    client.onNotification("*", (notification) => heard.push(String(notification.method)));
    await expect(client.request("thread/loaded/list", {})).resolves.toEqual({ echo: "thread/loaded/list" });
    await expect(client.request("thread/loaded/list", {})).resolves.toEqual({ echo: "thread/loaded/list" });
    await notify("thread/started", { thread: { id: "t" } });
    await serverRequest(0, "item/commandExecution/requestApproval", { threadId: "t", turnId: "u", itemId: "i" });
    await flush();
    await client.close();
    expect(heard).toEqual(["thread/started"]);
    expect(written.filter((message) => message["id"] === 0 && message["method"] === undefined)).toEqual([
      { id: 0, result: { decision: "decline" } },
    ]);
    expect(errors.map((message) => message.split("()")[0])).toEqual([
      "The instrumentation's request",
      "The instrumentation's notification",
      "The instrumentation's serverRequest",
      "The instrumentation's serverReply",
      "The instrumentation's closed",
    ]);
  });
});
