import { describe, expect, it, vi } from "vitest";
import {
  abortErrorFrom,
  AbortError,
  CodexError,
  createJsonRpcError,
  IncompatibleServerError,
  InternalRpcError,
  InterruptFailedError,
  InvalidInputError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  OutputValidationError,
  ParseError,
  RetryLimitExceededError,
  RuntimeNotFoundError,
  ServerBusyError,
  TimeoutError,
  TransportClosedError,
  TurnLostError,
} from "../src/errors.js";
import * as publicApi from "../src/index.js";

describe("error classes", () => {
  it("form the documented tree, for instanceof and isInstance alike", () => {
    const busy = new RetryLimitExceededError(-32001, "retry limit reached");
    expect(busy).toBeInstanceOf(ServerBusyError);
    expect(busy).toBeInstanceOf(JsonRpcError);
    expect(busy).toBeInstanceOf(CodexError);
    expect(busy).toBeInstanceOf(Error);
    expect(RetryLimitExceededError.isInstance(busy)).toBe(true);
    expect(ServerBusyError.isInstance(busy)).toBe(true);
    expect(JsonRpcError.isInstance(busy)).toBe(true);
    expect(CodexError.isInstance(busy)).toBe(true);
    expect(RetryLimitExceededError.isInstance(new ServerBusyError(-32001, "busy"))).toBe(false);
    expect(JsonRpcError.isInstance(new TransportClosedError())).toBe(false);
    expect(TransportClosedError.isInstance(new TransportClosedError())).toBe(true);
    for (const local of [
      new TimeoutError(5),
      new AbortError(),
      new RuntimeNotFoundError("x", { fix: "y" }),
      new InvalidInputError("bad"),
    ]) {
      expect(CodexError.isInstance(local)).toBe(true);
      expect(JsonRpcError.isInstance(local)).toBe(false);
    }
    expect(CodexError.isInstance(new Error("plain"))).toBe(false);
    expect(CodexError.isInstance(null)).toBe(false);
    expect(CodexError.isInstance("CodexError")).toBe(false);
  });

  it("InterruptFailedError and TurnLostError: local errors that say which turn and what to do, exported publicly", async () => {
    const busy = new ServerBusyError(-32001, "Server overloaded; retry later.", undefined, {
      method: "turn/interrupt",
    });
    const failed = new InterruptFailedError("thread-1", "turn-1", busy);
    expect(InterruptFailedError.isInstance(failed)).toBe(true);
    expect(CodexError.isInstance(failed)).toBe(true);
    expect(JsonRpcError.isInstance(failed)).toBe(false);
    expect(AbortError.isInstance(failed)).toBe(false);
    expect(failed.name).toBe("InterruptFailedError");
    expect(failed.cause).toBe(busy);
    expect(failed).toMatchObject({ threadId: "thread-1", turnId: "turn-1" });
    expect(failed.message).toContain("may still be running");
    expect(failed.message).toContain("turn.interrupt()");
    const lost = new TurnLostError("thread-1", "turn-1", "the thread was closed (thread/closed)");
    expect(TurnLostError.isInstance(lost)).toBe(true);
    expect(CodexError.isInstance(lost)).toBe(true);
    expect(lost.name).toBe("TurnLostError");
    expect(lost.message).toContain("thread/closed");
    expect(lost.message).toContain("threadResume");
    expect(new TurnLostError("thread-1", undefined, "gone").turnId).toBeUndefined();
    expect(publicApi.InterruptFailedError).toBe(InterruptFailedError);
    expect(publicApi.TurnLostError).toBe(TurnLostError);
    expect(publicApi.InvalidInputError).toBe(InvalidInputError);
  });

  it("isInstance recognises errors from a duplicated copy of the module, where instanceof fails", async () => {
    vi.resetModules();
    // A query string makes the module loader evaluate the file a second time: a second copy.
    const specifier = "../src/errors.js?copy";
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import("../src/errors.js");
    expect(copy.TransportClosedError).not.toBe(TransportClosedError);
    const foreign = new copy.TransportClosedError({ exitCode: 2 });
    expect(foreign instanceof TransportClosedError).toBe(false);
    expect(TransportClosedError.isInstance(foreign)).toBe(true);
    expect(CodexError.isInstance(foreign)).toBe(true);
    expect(MethodNotFoundError.isInstance(foreign)).toBe(false);
    const foreignBusy = new copy.RetryLimitExceededError(-32001, "retry limit");
    expect(ServerBusyError.isInstance(foreignBusy)).toBe(true);
    expect(copy.JsonRpcError.isInstance(new InvalidParamsError(-32602, "bad"))).toBe(true);
  });

  it("have their class name as name; AbortError's is 'AbortError'", () => {
    expect(new AbortError().name).toBe("AbortError");
    expect(new TransportClosedError().name).toBe("TransportClosedError");
    expect(new MethodNotFoundError(-32601, "x").name).toBe("MethodNotFoundError");
    expect(new CodexError("x").name).toBe("CodexError");
  });

  it("say what happened and what to do", () => {
    const closed = new TransportClosedError({
      exitCode: 1,
      signal: null,
      stderrTail: "line 1\nError: config.toml invalid\n",
    });
    expect(closed.message).toContain("exited with code 1");
    expect(closed.message).toContain("Error: config.toml invalid");
    expect(new TransportClosedError({ signal: "SIGKILL" }).message).toContain("killed by SIGKILL");
    const notFound = new MethodNotFoundError(-32600, "Invalid request: unknown variant `x/y`", undefined, {
      method: "x/y",
    });
    expect(notFound.message).toContain('"x/y"');
    expect(notFound.message).toMatch(/newer|version/);
    expect(new InvalidParamsError(-32602, "bad").message).toMatch(/Fix the params/);
    expect(new ServerBusyError(-32001, "Server overloaded; retry later.").message).toMatch(/retry/i);
    // The server's sentence and the SDK's next step are joined by exactly one full stop.
    const busy = createJsonRpcError({ code: -32001, message: "Server overloaded; retry later." }, "thread/list");
    expect(busy.message).toContain("Server overloaded; retry later. The server is overloaded");
    expect(busy.message).not.toContain("..");
    const runtime = new RuntimeNotFoundError("No runtime for linux-x64.", {
      packageName: "@codex/cli-bin-linux-x64",
      fix: "Run npm install @codex/cli-bin-linux-x64.",
    });
    expect(runtime.message).toBe("No runtime for linux-x64. Run npm install @codex/cli-bin-linux-x64.");
    expect(runtime.packageName).toBe("@codex/cli-bin-linux-x64");
    const incompatible = new IncompatibleServerError({ serverVersion: "0.100.0", requiredVersion: "0.169.0" });
    expect(incompatible.message).toContain("0.100.0");
    expect(incompatible.message).toContain("0.169.0");
    expect(new TimeoutError(100, "thread/list").message).toContain("thread/list");
    const long = `Invalid request: unknown variant \`x\`, expected one of ${"`m`, ".repeat(1000)}`;
    const shortened = new MethodNotFoundError(-32600, long, undefined, { method: "x" });
    expect(shortened.message.length).toBeLessThan(600);
    expect(shortened.serverMessage).toBe(long);
  });

  it("say what to do about the -32600 replies the server is known to send, the local parse and internal errors", () => {
    const hint = (message: string, data?: unknown) =>
      createJsonRpcError({ code: -32600, message, data }, "thread/read").message;
    expect(hint("thread not found: abc")).toMatch(/threadResume\(id\)/);
    expect(hint("no rollout found for thread id abc")).toMatch(/threadResume\(id\)/);
    expect(hint("Not initialized")).toMatch(/Codex\.start\(\)/);
    expect(hint("no active turn to interrupt")).toMatch(/already ended/);
    expect(hint("expected active turn id `x` but found `y`")).toMatch(/no longer the thread's active turn/);
    expect(hint("thread/read.foo requires experimentalApi capability")).toMatch(/experimentalApi: true/);
    expect(hint("server is shutting down", { reason: "serverShuttingDown" })).toMatch(/start a new Codex/);
    expect(new ParseError(-32700, "Parse error").message).toMatch(/report it/);
    expect(new InternalRpcError(-32603, "boom").message).toMatch(/stderr/);
    expect(new TransportClosedError({ exitCode: 0, reason: "closed by the client" }).message).toMatch(
      /Start a new Codex/,
    );
  });

  it("an AbortError says why its signal aborted", () => {
    const controller = new AbortController();
    controller.abort(new Error("user pressed Ctrl-C"));
    const withReason = abortErrorFrom(controller.signal, "The turn");
    expect(withReason.message).toBe("The turn was aborted (user pressed Ctrl-C).");
    expect(withReason.cause).toBe(controller.signal.reason);
    expect(abortErrorFrom(AbortSignal.abort(), "The turn").message).toBe("The turn was aborted.");
  });

  it("keep the cause", () => {
    const cause = new Error("root");
    expect(new AbortError("stopped", { cause }).cause).toBe(cause);
    expect(new TransportClosedError({ cause }).cause).toBe(cause);
  });
});

describe("createJsonRpcError", () => {
  const cases: [
    string,
    { code: number; message: string; data?: unknown },
    string | undefined,
    abstract new (...args: never[]) => Error,
  ][] = [
    ["-32700", { code: -32700, message: "Parse error" }, "x", ParseError],
    ["-32601", { code: -32601, message: "Method not found" }, "x", MethodNotFoundError],
    ["-32602", { code: -32602, message: "Invalid params" }, "x", InvalidParamsError],
    ["-32603", { code: -32603, message: "Internal error" }, "x", InternalRpcError],
    ["-32001", { code: -32001, message: "Server overloaded; retry later." }, "x", ServerBusyError],
    [
      "-32001 retry limit",
      { code: -32001, message: "Exceeded retry limit, last status: 429" },
      "x",
      RetryLimitExceededError,
    ],
    [
      "unknown method",
      { code: -32600, message: "Invalid request: unknown variant `no/such`, expected one of `initialize`" },
      "no/such",
      MethodNotFoundError,
    ],
    [
      "bad enum in params",
      { code: -32600, message: "Invalid request: unknown variant `unlessTrusted`, expected one of `untrusted`" },
      "thread/start",
      InvalidParamsError,
    ],
    [
      "wrong type",
      { code: -32600, message: "Invalid request: invalid type: integer `42`, expected string or map" },
      "thread/read",
      InvalidParamsError,
    ],
    [
      "missing field",
      { code: -32600, message: "Invalid request: missing field `threadId`" },
      "thread/read",
      InvalidParamsError,
    ],
    ["not initialized", { code: -32600, message: "Not initialized" }, "thread/list", InvalidRequestError],
    ["thread not found", { code: -32600, message: "thread not found: abc" }, "thread/read", InvalidRequestError],
    [
      "draining",
      { code: -32600, message: "server is shutting down", data: { reason: "serverShuttingDown" } },
      "thread/list",
      InvalidRequestError,
    ],
    [
      "overloaded data",
      { code: -32000, message: "busy", data: { codexErrorInfo: "server_overloaded" } },
      "x",
      ServerBusyError,
    ],
    ["other code", { code: -32050, message: "something" }, "x", JsonRpcError],
  ];
  for (const [name, error, method, expected] of cases) {
    it(`maps ${name} to ${expected.name}`, () => {
      const mapped = createJsonRpcError(error, method);
      expect(mapped.constructor).toBe(expected);
      expect(mapped.code).toBe(error.code);
      expect(mapped.serverMessage).toBe(error.message);
      expect(mapped.data).toEqual(error.data);
      expect(mapped.method).toBe(method);
    });
  }
});

describe("OutputValidationError", () => {
  it("is a local CodexError whose message names each issue's path", () => {
    const result = { threadId: "th", id: "tu", status: "completed", output: null } as unknown as ConstructorParameters<
      typeof OutputValidationError
    >[2];
    const error = new OutputValidationError(
      '{"ok":1}',
      [
        { message: "expected boolean", path: ["ok"] },
        { message: "required", path: [{ key: "reasons" }, 0] },
      ],
      result,
    );
    expect(CodexError.isInstance(error)).toBe(true);
    expect(JsonRpcError.isInstance(error)).toBe(false);
    expect(OutputValidationError.isInstance(error)).toBe(true);
    expect(error.name).toBe("OutputValidationError");
    expect(error.message).toContain("turn tu");
    expect(error.message).toContain("ok: expected boolean; reasons.0: required");
    expect(error.text).toBe('{"ok":1}');
    expect(error.result).toBe(result);
  });
});
