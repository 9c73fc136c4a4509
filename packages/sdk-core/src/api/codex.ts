// `Codex`: one app-server connection. Starts eagerly (spawn + initialize), hands out `Thread`s,
// routes every turn's notifications, and owns account login.
import type {
  ClientInfo,
  GetAccountParams,
  GetAccountResponse,
  InitializeParams,
  InitializeResponse,
  LoginAccountParams,
  LoginAccountResponse,
  ModelListParams,
  ModelListResponse,
  ServerNotificationMethod,
  ThreadForkParams,
  ThreadListParams,
  ThreadListResponse,
  ThreadResumeParams,
  ThreadStartParams,
} from "@codex/protocol-types/experimental";
import {
  abortErrorFrom,
  IncompatibleServerError,
  InvalidInputError,
  type TransportClosedError,
} from "../errors.js";
import { AppServerClient, type ServerRequestHandlers } from "../rpc/client.js";
import { normalizeLogger, type Logger } from "../rpc/logger.js";
import type { ClientInstrumentation } from "../rpc/instrumentation.js";
import type { Transport } from "../rpc/transport.js";
import type { TomlTable } from "../process/config-flags.js";
import { spawnAppServer } from "../process/spawn-app-server.js";
import { ChatgptDeviceCodeLogin, ChatgptLogin, startLogin } from "./login.js";
import { Thread, type ThreadContext } from "./thread.js";
import { TurnRouter } from "./turn-router.js";
import { compareVersions, GENERATED_FOR_CODEX_VERSION, parseServerVersion, SDK_VERSION } from "./version.js";

/** How long `Codex.start()` waits for `initialize` when `requestTimeoutMs` is not set. */
const DEFAULT_INITIALIZE_TIMEOUT_MS = 60_000;

/** Options of `Codex.start()`. All optional. */
export interface CodexOptions {
  /**
   * Path of the native codex binary. Without it: the `CODEX_BIN` environment variable, then
   * `resolveCodexBin`, then (with `@codex/sdk`) the runtime package installed for this machine.
   */
  codexBin?: string | undefined;
  /** Finds the binary when neither `codexBin` nor `CODEX_BIN` is set. */
  resolveCodexBin?: (() => string | Promise<string>) | undefined;
  /** Replaces the whole `[codexBin, "app-server"]` command (for tests and wrappers); program first. */
  launchArgs?: readonly string[] | undefined;
  /** Extra arguments after `app-server` and the config flags (e.g. `["--disable", "plugins"]`). */
  appServerArgs?: readonly string[] | undefined;
  /** Config overrides, flattened to `--config key=<TOML literal>` flags. */
  config?: TomlTable | undefined;
  /** Working directory of the app-server (the default `cwd` of its threads). */
  cwd?: string | undefined;
  /** Environment variables merged over `process.env`; `undefined` removes one. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * The app-server's `CODEX_HOME` (config, auth, sessions), set as the child's `CODEX_HOME`.
   * Default: the inherited `CODEX_HOME`, else `~/.codex`. A start writes codex's state there
   * (sqlite databases, system skills, then sessions): give tests and CI checks their own.
   */
  codexHome?: string | undefined;
  /**
   * Who is calling, sent in `initialize`; the name becomes the `originator` the model sees.
   * Default `{ name: "codex_sdk_ts", title: "Codex TypeScript SDK", version: SDK_VERSION }`.
   */
  clientInfo?: ClientInfo | undefined;
  /** Opt into experimental methods and fields (`capabilities.experimentalApi`). Default true. */
  experimentalApi?: boolean | undefined;
  /**
   * Notification methods the server should not send at all. `turn/completed` cannot be opted
   * out; without `account/login/completed`, interactive logins are refused (their outcome would
   * never arrive).
   */
  optOutNotifications?: readonly (ServerNotificationMethod | (string & {}))[] | undefined;
  /** Handlers of server requests (approvals, questions). Unhandled approvals are declined. */
  serverRequests?: ServerRequestHandlers | undefined;
  /**
   * Timeout of each request, in ms (more than 0). Turns have none: not their run, and not
   * `turn/start` either (a late reply would leave a started turn unseen). Default: none,
   * except `initialize`, which waits at most 60 s.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Requests awaiting a reply at once; more are queued. Default 32. Control requests
   * (`turn/interrupt`, `turn/steer`, `.../terminate`, `.../cancel`, ...: see `isControlRequest`)
   * never count and never wait, so an abort is sent even while long requests hold every slot.
   */
  maxInFlight?: number | undefined;
  /** Largest incoming message in bytes. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** Aborting it while `Codex.start()` runs rejects with `AbortError` and leaves no process. */
  signal?: AbortSignal | undefined;
  /** Receives the app-server's stderr lines and protocol problems (and, with `trace`, every message). */
  logger?: Logger | undefined;
  /** Log every message at debug level, secrets redacted. Default false. */
  trace?: boolean | undefined;
  /** A ready transport to use instead of spawning a process (a socket, an in-memory pair). */
  transport?: Transport | undefined;
  /** Observes the traffic: e.g. `openTelemetryInstrumentation()` from `@codex/sdk/otel` for tracing. Default none. */
  instrumentation?: ClientInstrumentation | undefined;
}

/** What the server said in `initialize`, plus its version. */
export type CodexMetadata = InitializeResponse & {
  /**
   * The codex version of the server, parsed from `userAgent` (which starts with the *client's*
   * name: `my_app/0.169.0 (...)`); null if it could not be read.
   */
  serverVersion: string | null;
};

/** Options of `codex.threadStart()`: the `thread/start` params. */
export type ThreadStartOptions = Omit<ThreadStartParams, never>;
/** Overrides of `codex.threadResume()`: the `thread/resume` params without `threadId`. */
export type ThreadResumeOptions = Omit<ThreadResumeParams, "threadId">;
/** Overrides of `codex.threadFork()`: the `thread/fork` params without `threadId`. */
export type ThreadForkOptions = Omit<ThreadForkParams, "threadId">;
/** Options of `codex.threadList()`: the `thread/list` params. */
export type ThreadListOptions = Omit<ThreadListParams, never>;
/** Options of `codex.models()`: the `model/list` params. */
export type ModelListOptions = Omit<ModelListParams, never>;
/** Options of `codex.loginChatgpt()`: the browser-login fields of `account/login/start`. */
export type ChatgptLoginOptions = Omit<Extract<LoginAccountParams, { type: "chatgpt" }>, "type">;

/** The default `clientInfo`. */
export const DEFAULT_CLIENT_INFO: Readonly<ClientInfo> = Object.freeze({
  name: "codex_sdk_ts",
  title: "Codex TypeScript SDK",
  version: SDK_VERSION,
});

/**
 * A connection to one codex app-server. `Codex.start()` is eager: it resolves once the server
 * has answered `initialize`, or rejects with a typed error and leaves no process behind.
 *
 * ```ts
 * await using codex = await Codex.start({ codexBin });
 * const thread = await codex.threadStart({ model: "gpt-5.5" });
 * const result = await thread.run("Say hello");
 * console.log(result.finalResponse);
 * ```
 */
export class Codex implements AsyncDisposable {
  /** The JSON-RPC client: every method of the protocol, typed, plus notifications and server requests. */
  readonly client: AppServerClient;
  /** The server's `initialize` answer, plus `serverVersion`. */
  readonly metadata: CodexMetadata;
  readonly #context: ThreadContext;
  /** Notifications this server was told not to send (`optOutNotifications`). */
  readonly #optedOut: ReadonlySet<string>;
  #closing: Promise<void> | undefined;

  /**
   * @internal Instances come from `start()`. Protected so that a subclass (`@codex/sdk`'s
   * `Codex`, which finds its bundled runtime first) can override `start()` and call
   * `super.start()`, which then creates an instance of the subclass.
   */
  protected constructor(client: AppServerClient, router: TurnRouter, metadata: CodexMetadata, optedOut: readonly string[] = []) {
    this.client = client;
    this.metadata = metadata;
    this.#context = { client, router };
    this.#optedOut = new Set(optedOut);
  }

  /**
   * Spawns `codex app-server` (or uses `options.transport`), sends `initialize` and then
   * `initialized`. Rejects, leaving no process behind, with:
   * `RuntimeNotFoundError` (no binary, or `codexBin` missing), `TransportClosedError` (the
   * server exited or closed stdout; with `exitCode`, `signal`, `stderrTail`),
   * `IncompatibleServerError` (server older than this SDK's protocol), `AbortError` (`signal`),
   * `TimeoutError` (no `initialize` answer in time).
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const { signal } = options;
    if (signal?.aborted) throw abortErrorFrom(signal, "Codex.start()");
    const optOut = checkOptOut(options.optOutNotifications);
    checkLimits(options);
    const transport = options.transport ?? (await spawnFromOptions(options));
    let client: AppServerClient;
    try {
      client = new AppServerClient(transport, {
        logger: options.logger,
        trace: options.trace,
        maxInFlight: options.maxInFlight,
        maxMessageBytes: options.maxMessageBytes,
        requestTimeoutMs: options.requestTimeoutMs,
        serverRequests: options.serverRequests,
        instrumentation: options.instrumentation,
      });
    } catch (error) {
      await transport.close();
      throw error;
    }
    // From here on, every failure closes the client, which ends the process.
    try {
      const router = new TurnRouter();
      client.onNotification("*", (notification) => router.route(notification));
      void client.closed.then((error: TransportClosedError) => router.fail(error));
      const clientInfo = options.clientInfo ?? { ...DEFAULT_CLIENT_INFO };
      const params: InitializeParams = {
        clientInfo,
        capabilities: {
          experimentalApi: options.experimentalApi ?? true,
          ...(optOut.length > 0 ? { optOutNotificationMethods: optOut } : {}),
        },
      };
      const response = await client.request("initialize", params, {
        signal,
        timeoutMs: options.requestTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS,
      });
      const serverVersion = parseServerVersion(response.userAgent, clientInfo.name);
      if (serverVersion !== null && compareVersions(serverVersion, GENERATED_FOR_CODEX_VERSION) < 0) {
        throw new IncompatibleServerError(
          { serverVersion, requiredVersion: GENERATED_FOR_CODEX_VERSION },
          `The codex app-server is version ${serverVersion}, older than ${GENERATED_FOR_CODEX_VERSION}, the version this SDK's protocol types were generated from. ` +
            `Use codex ${GENERATED_FOR_CODEX_VERSION} or newer: install @codex/sdk (it bundles a matching runtime) or point codexBin at a newer binary.`,
        );
      }
      if (serverVersion === null) {
        normalizeLogger(options.logger).warn(
          `Could not read the server's version from its user agent ${JSON.stringify(response.userAgent)}; not checking compatibility.`,
        );
      }
      await client.notify("initialized");
      if (signal?.aborted) throw abortErrorFrom(signal, "Codex.start()");
      // `this` is the class start() was called on: a subclass's super.start() makes a subclass instance.
      return new this(client, router, { ...response, serverVersion }, optOut);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Starts a new thread (`thread/start`). */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/start", { ...options });
    return new Thread(this.#context, response.thread.id);
  }

  /**
   * Binds a handle to an existing thread id without any request. To continue a thread this
   * server has not loaded (another process, or after a restart), use `threadResume()` first.
   */
  thread(threadId: string): Thread {
    if (typeof threadId !== "string" || threadId === "") throw new InvalidInputError("thread(): threadId must be a non-empty string.");
    return new Thread(this.#context, threadId);
  }

  /**
   * Loads a thread and makes it live on this server (`thread/resume`), applying `overrides`
   * (model, cwd, approvalPolicy, sandbox, instructions, ...). Works on threads persisted by any
   * earlier app-server on the same `CODEX_HOME`.
   */
  async threadResume(threadId: string, overrides: ThreadResumeOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/resume", { ...overrides, threadId });
    return new Thread(this.#context, response.thread.id);
  }

  /** Copies a thread into a new one (`thread/fork`); returns the new thread. */
  async threadFork(threadId: string, overrides: ThreadForkOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/fork", { ...overrides, threadId });
    return new Thread(this.#context, response.thread.id);
  }

  /** Lists stored threads (`thread/list`), newest first by default; page with `cursor`. */
  threadList(options: ThreadListOptions = {}): Promise<ThreadListResponse> {
    return this.client.request("thread/list", { ...options });
  }

  /**
   * Archives a thread (`thread/archive`). A turn of this client still running on it ends for
   * its handle with `TurnLostError`.
   */
  async threadArchive(threadId: string): Promise<void> {
    await this.client.request("thread/archive", { threadId });
    this.#context.router.lose(threadId, "the thread was archived (thread/archive)");
  }

  /**
   * @internal What this connection still holds, for leak checks: requests awaiting a reply or
   * queued, server requests being answered, notification subscribers, and the turns being routed.
   */
  get load(): AppServerClient["load"] & { turns: TurnRouter["size"] } {
    return { ...this.client.load, turns: this.#context.router.size };
  }

  /** Restores an archived thread (`thread/unarchive`). */
  async threadUnarchive(threadId: string): Promise<Thread> {
    const response = await this.client.request("thread/unarchive", { threadId });
    return new Thread(this.#context, response.thread.id);
  }

  /** Lists the models the server offers (`model/list`). */
  models(options: ModelListOptions = {}): Promise<ModelListResponse> {
    return this.client.request("model/list", { ...options });
  }

  /** The signed-in account (`account/read`): `account` is null when nobody is signed in. */
  account(options: GetAccountParams = {}): Promise<GetAccountResponse> {
    return this.client.request("account/read", { ...options });
  }

  /** Signs in with an OpenAI API key (`account/login/start` with `type: "apiKey"`); codex stores it in `CODEX_HOME`. */
  async loginApiKey(apiKey: string): Promise<void> {
    if (typeof apiKey !== "string" || apiKey.trim() === "") throw new InvalidInputError("loginApiKey(): apiKey must be a non-empty string.");
    await this.client.request("account/login/start", { type: "apiKey", apiKey });
  }

  /**
   * Starts a browser login with ChatGPT. Open `login.authUrl`; the server receives the OAuth
   * callback on loopback. `await login.wait()` for the outcome, or `login.cancel()`.
   */
  async loginChatgpt(options: ChatgptLoginOptions = {}): Promise<ChatgptLogin> {
    this.#checkLoginOutcomeArrives("loginChatgpt()");
    const { response, outcome } = await startLogin<Extract<LoginAccountResponse, { type: "chatgpt" }>>(
      this.client,
      { ...options, type: "chatgpt" },
      this.client.closed,
    );
    return new ChatgptLogin(this.client, response.loginId, outcome, response.authUrl);
  }

  /**
   * Starts a device-code login with ChatGPT: show the user `login.verificationUrl` and
   * `login.userCode`, then `await login.wait()`.
   */
  async loginChatgptDeviceCode(): Promise<ChatgptDeviceCodeLogin> {
    this.#checkLoginOutcomeArrives("loginChatgptDeviceCode()");
    const { response, outcome } = await startLogin<Extract<LoginAccountResponse, { type: "chatgptDeviceCode" }>>(
      this.client,
      { type: "chatgptDeviceCode" },
      this.client.closed,
    );
    return new ChatgptDeviceCodeLogin(this.client, response.loginId, outcome, response.verificationUrl, response.userCode);
  }

  /** An interactive login ends only with `account/login/completed`: without it, `wait()` could never resolve. */
  #checkLoginOutcomeArrives(what: string): void {
    if (this.#optedOut.has("account/login/completed")) {
      throw new InvalidInputError(
        `${what}: this Codex was started with "account/login/completed" in optOutNotifications, so the login's outcome would never arrive. Start it without that opt-out.`,
      );
    }
  }

  /** Signs out (`account/logout`). */
  async logout(): Promise<void> {
    await this.client.request("account/logout", undefined);
  }

  /**
   * Closes the connection and ends the app-server (stdin EOF, then SIGTERM, then SIGKILL).
   * Running turns reject with `TransportClosedError`. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.client.close();
    return this.#closing;
  }

  /** `await using codex = await Codex.start()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkOptOut(methods: CodexOptions["optOutNotifications"]): string[] {
  if (methods === undefined) return [];
  const list = [...methods];
  for (const method of list) {
    if (typeof method !== "string") throw new InvalidInputError(`optOutNotifications must hold method names, got ${typeof method}.`);
  }
  // Without these a turn can never be seen to end: run() would wait forever.
  if (list.includes("turn/completed")) {
    throw new InvalidInputError(`optOutNotifications cannot include "turn/completed": a turn ends only with it.`);
  }
  return list;
}

/** Bad limits fail here, before a process is spawned only to be closed again. */
function checkLimits(options: CodexOptions): void {
  const limits: [string, number | undefined][] = [
    ["maxInFlight", options.maxInFlight],
    ["maxMessageBytes", options.maxMessageBytes],
  ];
  for (const [name, value] of limits) {
    if (value !== undefined && !(typeof value === "number" && value >= 1)) {
      throw new InvalidInputError(`${name} must be a number of at least 1, got ${String(value)}.`);
    }
  }
  // 0 would time every request out at once.
  const timeout = options.requestTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0)) {
    throw new InvalidInputError(`requestTimeoutMs must be a number of milliseconds greater than 0 (or Infinity for none), got ${String(timeout)}.`);
  }
}

/** The stdio transport; the binary is found by the one runtime lookup (`resolveRuntime`), inside `spawnAppServer`. */
async function spawnFromOptions(options: CodexOptions) {
  return spawnAppServer({
    codexBin: options.codexBin,
    resolveCodexBin: options.resolveCodexBin,
    launchArgs: options.launchArgs,
    args: options.appServerArgs,
    config: options.config,
    env: options.env,
    codexHome: options.codexHome,
    cwd: options.cwd,
    logger: options.logger,
    signal: options.signal,
  });
}
