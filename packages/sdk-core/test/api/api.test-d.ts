// Every name of the public API contract (shared API.md) exists with the documented shape.
import type {
  InitializeResponse,
  ModelListResponse,
  ThreadItem,
  ThreadListResponse,
  ThreadReadResponse,
  ThreadTokenUsage,
  TurnError,
  TurnStatus,
  GetAccountResponse,
  CommandExecutionRequestApprovalResponse,
  CommandExecutionApprovalDecision,
} from "@codex/protocol-types/experimental";
import type * as Stable from "@codex/protocol-types";
import { describe, expectTypeOf, test } from "vitest";
import {
  AbortError,
  type ChatgptDeviceCodeLogin,
  type ChatgptLogin,
  Codex,
  CodexError,
  IncompatibleServerError,
  InternalRpcError,
  InvalidParamsError,
  InvalidRequestError,
  type JsonRpcError,
  MethodNotFoundError,
  ParseError,
  type RetryLimitExceededError,
  RuntimeNotFoundError,
  ServerBusyError,
  type Thread,
  TimeoutError,
  TransportClosedError,
  type TurnHandle,
  isRetryableError,
  retryOnOverload,
  type AuthenticationError,
  type CodexMetadata,
  type CodexOptions,
  type ConnectionState,
  type ConnectOptions,
  type Subscription,
  type InputItem,
  type LoginResult,
  type Notification,
  type ThreadNotification,
  type RunInput,
  type TurnOptions,
  type TurnResult,
  type GoalHandle,
  type GoalResult,
  type UnknownNotification,
} from "../../src/index.js";
import type { AppServerClient, TransportCloseInfo, TransportReceiver, Transport } from "../../src/rpc.js";

declare const codex: Codex;
declare const thread: Thread;
declare const turn: TurnHandle;

describe("starting and stopping", () => {
  test("Codex.start, metadata, close, asyncDispose", () => {
    expectTypeOf(Codex.start).parameters.toEqualTypeOf<[options?: CodexOptions]>();
    expectTypeOf(Codex.start).returns.toEqualTypeOf<Promise<Codex>>();
    expectTypeOf(codex.metadata).toEqualTypeOf<CodexMetadata>();
    expectTypeOf(codex.metadata).toMatchTypeOf<InitializeResponse>();
    expectTypeOf(codex.metadata.serverVersion).toEqualTypeOf<string | null>();
    expectTypeOf(codex.metadata.serverName).toEqualTypeOf<string | null>();
    expectTypeOf(codex.close).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(codex[Symbol.asyncDispose]).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(codex.client).toEqualTypeOf<AppServerClient>();
  });

  test("CodexOptions has every documented field, all optional", () => {
    expectTypeOf({}).toMatchTypeOf<CodexOptions>();
    expectTypeOf<CodexOptions["codexBin"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<CodexOptions["launchArgs"]>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<{ model: string; model_providers: { fake: { base_url: string } } }>().toMatchTypeOf<
      NonNullable<CodexOptions["config"]>
    >();
    expectTypeOf<CodexOptions["cwd"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<{ HOME: string }>().toMatchTypeOf<NonNullable<CodexOptions["env"]>>();
    expectTypeOf<CodexOptions["codexHome"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<{ name: string; title: string; version: string }>().toMatchTypeOf<
      NonNullable<CodexOptions["clientInfo"]>
    >();
    expectTypeOf<CodexOptions["experimentalApi"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<["thread/started", "item/agentMessage/delta"]>().toMatchTypeOf<
      NonNullable<CodexOptions["optOutNotifications"]>
    >();
    expectTypeOf<CodexOptions["requestTimeoutMs"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<CodexOptions["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf<typeof console>().toMatchTypeOf<NonNullable<CodexOptions["logger"]>>();
    expectTypeOf<CodexOptions["transport"]>().toEqualTypeOf<Transport | undefined>();
  });
});

describe("connecting to a running app-server", () => {
  test("Codex.connect(url, ConnectOptions), closed, onConnectionChange", () => {
    expectTypeOf(Codex.connect).parameters.toEqualTypeOf<[url: string, options?: ConnectOptions]>();
    expectTypeOf(Codex.connect).returns.toEqualTypeOf<Promise<Codex>>();
    expectTypeOf(codex.closed).toEqualTypeOf<Promise<TransportCloseInfo>>();
    expectTypeOf(codex.onConnectionChange).parameters.toEqualTypeOf<[listener: (state: ConnectionState) => void]>();
    expectTypeOf(codex.onConnectionChange).returns.toEqualTypeOf<Subscription>();
    expectTypeOf<ConnectionState>().toEqualTypeOf<"connected" | "reconnecting" | "closed">();
  });

  test("ConnectOptions: the non-spawning CodexOptions plus token, headers, reconnect", () => {
    expectTypeOf({}).toMatchTypeOf<ConnectOptions>();
    expectTypeOf<ConnectOptions["token"]>().toEqualTypeOf<string | (() => string | Promise<string>) | undefined>();
    expectTypeOf<{ "X-Trace": string }>().toMatchTypeOf<NonNullable<ConnectOptions["headers"]>>();
    expectTypeOf<false>().toMatchTypeOf<NonNullable<ConnectOptions["reconnect"]>>();
    expectTypeOf<{ maxAttempts: number; initialDelayMs: number; maxDelayMs: number }>().toMatchTypeOf<
      NonNullable<ConnectOptions["reconnect"]>
    >();
    expectTypeOf<ConnectOptions["serverRequests"]>().toEqualTypeOf<CodexOptions["serverRequests"]>();
    expectTypeOf<ConnectOptions["clientInfo"]>().toEqualTypeOf<CodexOptions["clientInfo"]>();
    expectTypeOf<ConnectOptions>().not.toHaveProperty("codexBin");
    expectTypeOf<ConnectOptions>().not.toHaveProperty("launchArgs");
    expectTypeOf<NonNullable<CodexOptions["reconnect"]>>().toEqualTypeOf<NonNullable<ConnectOptions["reconnect"]>>();
    expectTypeOf<AuthenticationError>().toMatchTypeOf<CodexError>();
    expectTypeOf<AuthenticationError["url"]>().toEqualTypeOf<string>();
  });

  test("Transport is message-level: send(message), messages in, close with a reason", () => {
    expectTypeOf<Transport["send"]>().toEqualTypeOf<(message: object) => Promise<void>>();
    expectTypeOf<Transport["close"]>().toEqualTypeOf<(reason?: string) => Promise<void>>();
    expectTypeOf<Transport["start"]>().toEqualTypeOf<(receiver: TransportReceiver) => void>();
    expectTypeOf<TransportReceiver["message"]>().toEqualTypeOf<(message: unknown) => void>();
  });
});

describe("threads", () => {
  test("threadStart takes the documented options and returns a Thread", () => {
    expectTypeOf(codex.threadStart).toBeCallableWith({
      model: "gpt-5.5",
      cwd: "/repo",
      approvalPolicy: "untrusted",
      sandbox: "workspace-write",
      config: { key: 1 },
      baseInstructions: "b",
      developerInstructions: "d",
      ephemeral: true,
      modelProvider: "openai",
      personality: "pragmatic",
    });
    expectTypeOf(codex.threadStart).returns.toEqualTypeOf<Promise<Thread>>();
  });

  test("thread, threadResume, threadFork, threadList, threadArchive, threadUnarchive, models", () => {
    expectTypeOf(codex.thread).parameters.toEqualTypeOf<[threadId: string]>();
    expectTypeOf(codex.thread).returns.toEqualTypeOf<Thread>();
    expectTypeOf(codex.threadResume).toBeCallableWith("id", {
      model: "m",
      developerInstructions: "x",
      sandbox: "read-only",
    });
    expectTypeOf(codex.threadResume).returns.toEqualTypeOf<Promise<Thread>>();
    expectTypeOf(codex.threadFork).toBeCallableWith("id", { model: "m" });
    expectTypeOf(codex.threadFork).returns.toEqualTypeOf<Promise<Thread>>();
    expectTypeOf(codex.threadList).toBeCallableWith({
      archived: true,
      cursor: "c",
      cwd: "/repo",
      limit: 10,
      modelProviders: ["openai"],
      sortKey: "created_at",
      sourceKinds: ["cli"],
    });
    expectTypeOf(codex.threadList).returns.toEqualTypeOf<Promise<ThreadListResponse>>();
    expectTypeOf(codex.threadArchive).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(codex.threadUnarchive).returns.toEqualTypeOf<Promise<Thread>>();
    expectTypeOf(codex.models).toBeCallableWith({ includeHidden: true });
    expectTypeOf(codex.models).returns.toEqualTypeOf<Promise<ModelListResponse>>();
  });

  test("Thread: id, read, setName, compact, run, turn", () => {
    expectTypeOf(thread.id).toEqualTypeOf<string>();
    expectTypeOf(thread.read).toBeCallableWith({ includeTurns: true });
    expectTypeOf(thread.read).returns.toEqualTypeOf<Promise<ThreadReadResponse>>();
    expectTypeOf(thread.setName).parameters.toEqualTypeOf<[name: string]>();
    expectTypeOf(thread.compact).returns.toEqualTypeOf<Promise<TurnHandle<null>>>();
    expectTypeOf(thread.review).returns.toEqualTypeOf<Promise<TurnHandle<null>>>();
    expectTypeOf(thread.review).toBeCallableWith({ type: "custom", instructions: "Look for bugs" });
    expectTypeOf(thread.events).returns.toEqualTypeOf<AsyncIterableIterator<ThreadNotification>>();
    expectTypeOf(thread.events).toBeCallableWith({ signal: new AbortController().signal });
    expectTypeOf(thread.lastUsage).toEqualTypeOf<ThreadTokenUsage | null>();
    expectTypeOf(thread.startGoal).returns.toEqualTypeOf<Promise<GoalHandle>>();
    expectTypeOf(thread.runGoal).returns.toEqualTypeOf<Promise<GoalResult>>();
    expectTypeOf(thread.startGoal).toBeCallableWith("Make the test suite pass", { tokenBudget: 1000 });
    expectTypeOf<GoalResult["turns"]>().toExtend<TurnResult[]>();
    expectTypeOf<keyof GoalResult>().toEqualTypeOf<
      "threadId" | "status" | "goal" | "turns" | "text" | "finalResponse" | "usage"
    >();
    expectTypeOf<NonNullable<typeof thread.info>["thread"]["id"]>().toEqualTypeOf<string>();
    // Without an outputSchema, `output` is null.
    expectTypeOf(thread.run("hi")).toEqualTypeOf<Promise<TurnResult<null>>>();
    expectTypeOf(thread.turn("hi", { model: "m" })).toEqualTypeOf<Promise<TurnHandle<null>>>();
  });
});

describe("turns", () => {
  test("run/turn take RunInput and the documented options", () => {
    expectTypeOf(thread.run).parameters.toEqualTypeOf<[input: RunInput, options?: TurnOptions]>();
    expectTypeOf(thread.run).toBeCallableWith("Say hello", {
      model: "m",
      effort: "high",
      cwd: "/repo",
      approvalPolicy: "never",
      sandboxPolicy: { type: "readOnly" },
      outputSchema: { type: "object" },
      personality: "pragmatic",
      serviceTier: "flex",
      summary: "auto",
      signal: AbortSignal.timeout(1000),
    });
  });

  test("RunInput = string | InputItem | InputItem[]; five item kinds", () => {
    expectTypeOf<string>().toMatchTypeOf<RunInput>();
    expectTypeOf<InputItem>().toMatchTypeOf<RunInput>();
    expectTypeOf<InputItem[]>().toMatchTypeOf<RunInput>();
    expectTypeOf<InputItem["type"]>().toEqualTypeOf<"text" | "image" | "localImage" | "skill" | "mention">();
    expectTypeOf<{ type: "text"; text: string }>().toMatchTypeOf<InputItem>();
    expectTypeOf<{ type: "image"; url: string }>().toMatchTypeOf<InputItem>();
    expectTypeOf<{ type: "localImage"; path: string }>().toMatchTypeOf<InputItem>();
    expectTypeOf<{ type: "skill"; name: string; path: string }>().toMatchTypeOf<InputItem>();
    expectTypeOf<{ type: "mention"; name: string; path: string }>().toMatchTypeOf<InputItem>();
    expectTypeOf<{ type: "skill"; name: string }>().not.toMatchTypeOf<InputItem>();
  });

  test("TurnHandle: id, threadId, stream, steer, interrupt, run", () => {
    expectTypeOf(turn.id).toEqualTypeOf<string>();
    expectTypeOf(turn.threadId).toEqualTypeOf<string>();
    expectTypeOf(turn.stream()).toMatchTypeOf<AsyncIterable<Notification>>();
    expectTypeOf(turn.steer).toBeCallableWith("also do X");
    expectTypeOf(turn.interrupt).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(turn.run).returns.toEqualTypeOf<Promise<TurnResult>>();
  });

  test("Notification narrows on method; unknown methods are their own member", async () => {
    for await (const n of turn.stream()) {
      if (n.method === "item/agentMessage/delta") expectTypeOf(n.params.delta).toEqualTypeOf<string>();
      if (n.method === "turn/completed") expectTypeOf(n.params.turn.status).toEqualTypeOf<TurnStatus>();
    }
    expectTypeOf<UnknownNotification>().toMatchTypeOf<Notification>();
  });

  test("TurnResult has exactly the documented fields", () => {
    expectTypeOf<keyof TurnResult>().toEqualTypeOf<
      | "threadId"
      | "id"
      | "status"
      | "error"
      | "text"
      | "finalResponse"
      | "items"
      | "usage"
      | "startedAt"
      | "completedAt"
      | "durationMs"
      | "output"
    >();
    expectTypeOf<TurnResult["threadId"]>().toEqualTypeOf<string>();
    expectTypeOf<TurnResult["id"]>().toEqualTypeOf<string>();
    expectTypeOf<TurnResult["status"]>().toEqualTypeOf<Exclude<TurnStatus, "inProgress">>();
    expectTypeOf<TurnResult["error"]>().toEqualTypeOf<TurnError | null>();
    expectTypeOf<TurnResult["text"]>().toEqualTypeOf<string>();
    expectTypeOf<TurnResult["finalResponse"]>().toEqualTypeOf<string | null>();
    expectTypeOf<TurnResult["items"]>().toEqualTypeOf<ThreadItem[]>();
    expectTypeOf<TurnResult["usage"]>().toEqualTypeOf<ThreadTokenUsage | null>();
    expectTypeOf<TurnResult["startedAt"]>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<TurnResult["completedAt"]>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<TurnResult["durationMs"]>().toEqualTypeOf<number | null | undefined>();
  });
});

describe("server requests", () => {
  test("typed handler slots, in options and on the client", () => {
    type ApprovalHandler = NonNullable<
      NonNullable<CodexOptions["serverRequests"]>["item/commandExecution/requestApproval"]
    >;
    expectTypeOf<Parameters<ApprovalHandler>[0]["threadId"]>().toEqualTypeOf<string>();
    expectTypeOf<Parameters<ApprovalHandler>[0]["turnId"]>().toEqualTypeOf<string>();
    expectTypeOf<Parameters<ApprovalHandler>[1]["signal"]>().toEqualTypeOf<AbortSignal>();
    expectTypeOf<ReturnType<ApprovalHandler>>().toEqualTypeOf<
      CommandExecutionRequestApprovalResponse | Promise<CommandExecutionRequestApprovalResponse>
    >();
    const off = codex.client.onServerRequest("item/fileChange/requestApproval", async (params, { signal }) => {
      expectTypeOf(params.threadId).toEqualTypeOf<string>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
      return { decision: "decline" as const };
    });
    expectTypeOf(off).toEqualTypeOf<Subscription>();
  });
});

describe("accounts", () => {
  test("loginApiKey, loginChatgpt, loginChatgptDeviceCode, account, logout", () => {
    expectTypeOf(codex.loginApiKey).parameters.toEqualTypeOf<[apiKey: string]>();
    expectTypeOf(codex.loginApiKey).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(codex.loginChatgpt).returns.toEqualTypeOf<Promise<ChatgptLogin>>();
    expectTypeOf<ChatgptLogin["loginId"]>().toEqualTypeOf<string>();
    expectTypeOf<ChatgptLogin["authUrl"]>().toEqualTypeOf<string>();
    expectTypeOf<ChatgptLogin["wait"]>().returns.toEqualTypeOf<Promise<LoginResult>>();
    expectTypeOf<ChatgptLogin["wait"]>().toBeCallableWith({ signal: AbortSignal.timeout(1) });
    expectTypeOf<LoginResult["success"]>().toEqualTypeOf<boolean>();
    expectTypeOf(codex.loginChatgptDeviceCode).returns.toEqualTypeOf<Promise<ChatgptDeviceCodeLogin>>();
    expectTypeOf<ChatgptDeviceCodeLogin["verificationUrl"]>().toEqualTypeOf<string>();
    expectTypeOf<ChatgptDeviceCodeLogin["userCode"]>().toEqualTypeOf<string>();
    expectTypeOf<ChatgptDeviceCodeLogin["cancel"]>().toBeFunction();
    expectTypeOf(codex.account).returns.toEqualTypeOf<Promise<GetAccountResponse>>();
    expectTypeOf(codex.logout).returns.toEqualTypeOf<Promise<void>>();
  });
});

describe("errors and retry", () => {
  test("the error tree", () => {
    expectTypeOf<JsonRpcError>().toMatchTypeOf<CodexError>();
    for (const Class of [
      ParseError,
      InvalidRequestError,
      InternalRpcError,
      MethodNotFoundError,
      InvalidParamsError,
      ServerBusyError,
    ]) {
      expectTypeOf<InstanceType<typeof Class>>().toMatchTypeOf<JsonRpcError>();
    }
    expectTypeOf<RetryLimitExceededError>().toMatchTypeOf<ServerBusyError>();
    expectTypeOf<JsonRpcError["code"]>().toEqualTypeOf<number>();
    expectTypeOf<TransportClosedError["exitCode"]>().toEqualTypeOf<number | null>();
    expectTypeOf<TransportClosedError["signal"]>().toEqualTypeOf<string | null>();
    expectTypeOf<TransportClosedError["stderrTail"]>().toEqualTypeOf<string>();
    for (const Class of [
      TransportClosedError,
      RuntimeNotFoundError,
      IncompatibleServerError,
      TimeoutError,
      AbortError,
    ]) {
      expectTypeOf<InstanceType<typeof Class>>().toMatchTypeOf<CodexError>();
    }
    expectTypeOf(CodexError.isInstance).returns.toEqualTypeOf<boolean>();
    expectTypeOf(retryOnOverload).toBeCallableWith(async () => 1, {
      maxAttempts: 3,
      initialDelayMs: 250,
      maxDelayMs: 2000,
      jitterRatio: 0.2,
    });
    expectTypeOf(isRetryableError).returns.toEqualTypeOf<boolean>();
  });

  test("client.request: params may be left out only where the schema lets them be omitted", () => {
    expectTypeOf(codex.client.request("account/logout")).resolves.not.toBeAny();
    expectTypeOf(codex.client.request("account/rateLimits/read")).resolves.not.toBeAny();
    void codex.client.request("thread/loaded/list", {}, { timeoutMs: 1000 });
    // @ts-expect-error thread/start has required params in the schema
    void codex.client.request("thread/start");
    // @ts-expect-error a misspelt method does not compile
    void codex.client.request("thread/strat", {});
  });

  test("the SDK types the wire with the experimental surface (experimentalApi defaults to true)", () => {
    // Approval handlers see what the server sends by default, e.g. the decisions it offers.
    void Codex.start({
      serverRequests: {
        "item/commandExecution/requestApproval": (params) => {
          expectTypeOf(params.availableDecisions).toEqualTypeOf<
            CommandExecutionApprovalDecision[] | null | undefined
          >();
          return { decision: "accept" };
        },
      },
    });
    // Experimental types only add optional fields and methods: values pass to and from code
    // written against the stable entry point.
    expectTypeOf<Awaited<ReturnType<Codex["threadList"]>>>().toExtend<Stable.ThreadListResponse>();
    expectTypeOf<Stable.ThreadListResponse>().toExtend<Awaited<ReturnType<Codex["threadList"]>>>();
    expectTypeOf<TurnResult["items"][number]>().toExtend<Stable.ThreadItem>();
    expectTypeOf<Stable.ThreadStartParams>().toExtend<NonNullable<Parameters<Codex["threadStart"]>[0]>>();
  });
});
