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
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import { connectWebSocket, DEFAULT_CONNECT_TIMEOUT_MS, parseAppServerUrl } from "../net/websocket-transport.js";
import { AppServerClient, type Subscription, type ServerRequestHandlers } from "../rpc/client.js";
import { normalizeLogger, type Logger, type NormalizedLogger } from "../rpc/logger.js";
import {
  normalizeReconnect,
  ReconnectingTransport,
  type ConnectionState,
  type ReconnectOptions,
} from "../rpc/reconnecting-transport.js";
import type { ClientInstrumentation } from "../rpc/instrumentation.js";
import type { Transport, TransportCloseInfo } from "../rpc/transport.js";
import type { TomlTable } from "../process/config-flags.js";
import { spawnAppServer } from "../process/spawn-app-server.js";
import { ChatgptDeviceCodeLogin, ChatgptLogin, startLogin } from "./login.js";
import { Thread, type ThreadContext } from "./thread.js";
import { ThreadUsageStore, type ThreadInfo } from "./thread-state.js";
import { CodexServerRequestScope } from "./server-request-context.js";
import { TurnRouter } from "./turn-router.js";
import {
  compareVersions,
  GENERATED_FOR_CODEX_VERSION,
  parseServerName,
  parseServerVersion,
  SDK_VERSION,
} from "./version.js";

/** How long `Codex.start()` waits for `initialize` when `requestTimeoutMs` is not set. */
const DEFAULT_INITIALIZE_TIMEOUT_MS = 60_000;

/** Options of `Codex.start()`. All optional. */
export interface CodexOptions {
  /**
   * Path of the native codex binary. Without it, the binary is looked up in the order
   * `resolveRuntime()` (from `@codex/sdk-core/rpc`) describes.
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
  /**
   * Largest incoming message in bytes. Default 64 MiB. Applies to the spawned process (a custom
   * `transport` sets its own).
   */
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
  /**
   * Spawn the app-server again when it exits unexpectedly, with bounded, jittered backoff.
   * Requests and turns in flight then fail with `TransportClosedError`; threads this `Codex`
   * had loaded are resumed on the new process, and handles, subscriptions and handlers keep
   * working. Default `false` (a crash closes the `Codex`). Not available with `transport`.
   */
  reconnect?: false | ReconnectOptions | undefined;
}

/**
 * Options of `Codex.connect()`: the fields of `CodexOptions` that do not spawn a process, plus
 * how to reach and authenticate to the server.
 */
export interface ConnectOptions
  extends Pick<
    CodexOptions,
    | "clientInfo"
    | "experimentalApi"
    | "optOutNotifications"
    | "serverRequests"
    | "requestTimeoutMs"
    | "maxInFlight"
    | "maxMessageBytes"
    | "signal"
    | "logger"
    | "trace"
    | "instrumentation"
  > {
  /**
   * Sent as `Authorization: Bearer <token>` on the WebSocket upgrade: the contents of the
   * server's `--ws-token-file`, or a JWT signed with its `--ws-shared-secret-file`. A function
   * is called on every connect and reconnect (to mint a fresh JWT). Never logged.
   */
  token?: string | (() => string | Promise<string>) | undefined;
  /** Extra headers of the upgrade request. The app-server refuses requests with an `Origin` header. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** How long one connection attempt may take, in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Ping the server this often (ms); a connection silent for this long (no pong, no message) is
   * treated as lost, so a dead peer is noticed instead of hanging. Default 30 000; 0 turns it off.
   */
  heartbeatMs?: number | undefined;
  /**
   * Connect again when the connection is lost, with bounded, jittered backoff; the token is
   * asked for again each time. Requests and turns in flight fail with `TransportClosedError`;
   * threads this `Codex` had loaded are resumed on the new connection, and `Thread` handles,
   * subscriptions and handlers keep working. Default `false`.
   */
  reconnect?: false | ReconnectOptions | undefined;
}

/** @internal The connection state a `Codex` shares with its reconnect logic. */
interface ConnectionRecord {
  closed: Promise<TransportCloseInfo>;
  state: ConnectionState;
  readonly listeners: Set<(state: ConnectionState) => void>;
  /** Threads this client started, resumed, forked or bound: resumed after a reconnect. */
  readonly loadedThreads: Set<string>;
}

/** What the server said in `initialize`, plus its version. */
export type CodexMetadata = InitializeResponse & {
  /**
   * The codex version of the server, parsed from `userAgent` (which starts with the *client's*
   * name: `my_app/0.169.0 (...)`); null if it could not be read.
   */
  serverVersion: string | null;
  /**
   * The name before the version in `userAgent` (what the Python SDK reports as the server's
   * name); null if it could not be read. codex puts its originator there, which is
   * `clientInfo.name`: the name the model provider sees this client under.
   */
  serverName: string | null;
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
  readonly #connection: ConnectionRecord;
  #closing: Promise<void> | undefined;

  /**
   * @internal Instances come from `start()`. Protected so that a subclass (`@codex/sdk`'s
   * `Codex`, which finds its bundled runtime first) can override `start()` and call
   * `super.start()`, which then creates an instance of the subclass.
   */
  protected constructor(
    client: AppServerClient,
    router: TurnRouter,
    metadata: CodexMetadata,
    optedOut: readonly string[] = [],
    connection?: ConnectionRecord,
  ) {
    this.client = client;
    this.metadata = metadata;
    this.#connection = connection ?? newConnectionRecord(client.closed.then(closeInfoOf));
    const serverRequests = new CodexServerRequestScope((threadId) => new Thread(this.#context, threadId));
    const usage = new ThreadUsageStore();
    // Fed by the router's one subscription, in arrival order, before the turns see each event.
    router.observe((notification) => {
      usage.observe(notification);
      serverRequests.observe(notification);
    });
    client.setServerRequestScope(serverRequests);
    // The router knows when turns end (completed, thread lost, connection lost or reopened).
    router.onTurnEnd((end) => serverRequests.turnEnded(end));
    this.#context = { client, router, loadedThreads: this.#connection.loadedThreads, usage, serverRequests };
    this.#optedOut = new Set(optedOut);
  }

  /** Resolves (never rejects) when the connection has ended for good: closed, or lost and not reconnected. */
  get closed(): Promise<TransportCloseInfo> {
    return this.#connection.closed;
  }

  /** The connection's state now: "connected", "reconnecting" (with `reconnect`) or "closed". */
  get connectionState(): ConnectionState {
    return this.#connection.state;
  }

  /** Calls `listener` on every change of the connection's state. Dispose the result to stop. */
  onConnectionChange(listener: (state: ConnectionState) => void): Subscription {
    const listeners = this.#connection.listeners;
    const callback = (state: ConnectionState): void => listener(state);
    listeners.add(callback);
    let done = false;
    const dispose = (): void => {
      if (done) return;
      done = true;
      listeners.delete(callback);
    };
    return { dispose, [Symbol.dispose ?? Symbol.for("nodejs.dispose")]: dispose } as Subscription;
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
    const reconnect = normalizeReconnect(options.reconnect);
    if (reconnect !== undefined && options.transport !== undefined) {
      throw new InvalidInputError(
        "reconnect works with a spawned app-server or Codex.connect(); a custom transport cannot be opened again. Drop reconnect or the transport option.",
      );
    }
    const transport = options.transport ?? (await spawnFromOptions(options));
    const reopen = reconnect === undefined ? undefined : () => spawnFromOptions({ ...options, signal: undefined });
    return this.initializeOver(transport, options, optOut, reopen);
  }

  /**
   * Attaches to an app-server that is already running: `ws://HOST:PORT` or `wss://…` (a server
   * started with `codex app-server --listen ws://IP:PORT`), `unix:///path/to/socket`
   * (`--listen unix://PATH`), or `unix://` alone for the local daemon's control socket
   * (`$CODEX_HOME/app-server-control/app-server-control.sock`). Then sends `initialize` and
   * `initialized`, like `start()`; closing the `Codex` closes the connection, not the server.
   *
   * Rejects with `AuthenticationError` (token missing or refused: the message names the URL and
   * the server option to check), `TransportClosedError` naming the URL (nothing listening
   * there), `TimeoutError` (no answer within `connectTimeoutMs`), `IncompatibleServerError`,
   * `InvalidInputError` (a malformed URL), or `AbortError`.
   *
   * ```ts
   * await using codex = await Codex.connect("ws://127.0.0.1:4500", { token: process.env.CODEX_APP_SERVER_TOKEN });
   * ```
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<Codex> {
    const { signal } = options;
    if (signal?.aborted) throw abortErrorFrom(signal, "Codex.connect()");
    const optOut = checkOptOut(options.optOutNotifications);
    checkLimits(options);
    const reconnect = normalizeReconnect(options.reconnect);
    const address = parseAppServerUrl(url);
    const { token, headers, connectTimeoutMs, heartbeatMs } = options;
    const open = async (attemptSignal: AbortSignal | undefined): Promise<Transport> =>
      connectWebSocket(address, {
        token: await resolveToken(token, address.url, attemptSignal, connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
        headers,
        connectTimeoutMs,
        heartbeatMs,
        maxMessageBytes: options.maxMessageBytes,
        logger: options.logger,
        signal: attemptSignal,
      });
    const transport = await open(signal);
    return this.initializeOver(transport, options, optOut, reconnect === undefined ? undefined : () => open(undefined));
  }

  /**
   * @internal Creates the client over `transport` (wrapped for reconnecting when `reopen` is
   * given), runs `initialize`, and makes the instance. Closes the transport on failure.
   */
  protected static async initializeOver(
    firstTransport: Transport,
    options: CodexOptions | ConnectOptions,
    optOut: string[],
    reopen: (() => Promise<Transport>) | undefined,
  ): Promise<Codex> {
    const { signal } = options;
    const logger = normalizeLogger(options.logger);
    const clientInfo = options.clientInfo ?? { ...DEFAULT_CLIENT_INFO };
    const params: InitializeParams = {
      clientInfo,
      capabilities: {
        experimentalApi: options.experimentalApi ?? true,
        ...(optOut.length > 0 ? { optOutNotificationMethods: optOut } : {}),
      },
    };
    const router = new TurnRouter();
    let transport = firstTransport;
    let connection: ConnectionRecord;
    if (reopen !== undefined) {
      const loadedThreads = new Set<string>();
      const reconnecting: ReconnectingTransport = new ReconnectingTransport(firstTransport, {
        open: reopen,
        reconnect: normalizeReconnect(options.reconnect)!,
        logger,
        handshakeTimeoutMs: options.requestTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS,
        prepare: async (handshake) => {
          const response = (await handshake.request("initialize", params)) as InitializeResponse;
          checkServerVersion(response, clientInfo.name, logger);
          await handshake.notify("initialized");
          for (const threadId of loadedThreads) {
            try {
              await handshake.request("thread/resume", { threadId });
            } catch (error) {
              logger.warn(
                `After reconnecting, thread ${threadId} could not be resumed (${error instanceof Error ? error.message : String(error)}); its next turn may fail.`,
              );
            }
          }
        },
        onState: (state, info) => {
          connection.state = state;
          if (state === "reconnecting") {
            router.interrupt(
              new TransportClosedError({
                ...info,
                reason: `${info?.reason ?? "the connection was lost"}; reconnecting`,
                cause: info?.error,
              }),
            );
          }
          notifyConnectionListeners(connection, state, logger);
        },
      });
      transport = reconnecting;
      connection = { ...newConnectionRecord(reconnecting.closed), loadedThreads };
    } else {
      connection = newConnectionRecord(firstTransport.closed);
    }
    let client: AppServerClient;
    try {
      client = new AppServerClient(transport, {
        logger: options.logger,
        trace: options.trace,
        maxInFlight: options.maxInFlight,
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
      client.onNotification("*", (notification) => {
        router.route(notification);
        // An archived or deleted thread is not resumed after a reconnect.
        const method = notification.method as string;
        if (method === "thread/archived" || method === "thread/deleted") {
          const threadId = (notification.params as { threadId?: unknown } | undefined)?.threadId;
          if (typeof threadId === "string") connection.loadedThreads.delete(threadId);
        }
      });
      void client.closed.then((error: TransportClosedError) => {
        router.fail(error);
        if (reopen === undefined) {
          connection.state = "closed";
          notifyConnectionListeners(connection, "closed", logger);
        }
      });
      const response = await client.request("initialize", params, {
        signal,
        timeoutMs: options.requestTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS,
      });
      const serverVersion = checkServerVersion(response, clientInfo.name, logger);
      await client.notify("initialized");
      if (signal?.aborted) throw abortErrorFrom(signal, "Codex.start()");
      // `this` is the class start() was called on: a subclass's super.start() makes a subclass instance.
      const serverName = parseServerName(response.userAgent, clientInfo.name);
      return new this(client, router, { ...response, serverVersion, serverName }, optOut, connection);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Starts a new thread (`thread/start`). */
  async threadStart(options: ThreadStartOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/start", { ...options });
    return this.#bind(response.thread.id, response);
  }

  /**
   * Binds a handle to an existing thread id without any request. To continue a thread this
   * server has not loaded (another process, or after a restart), use `threadResume()` first.
   */
  thread(threadId: string): Thread {
    if (typeof threadId !== "string" || threadId === "")
      throw new InvalidInputError("thread(): threadId must be a non-empty string.");
    // Not remembered for a reconnect until a turn runs on it: binding sends nothing.
    return new Thread(this.#context, threadId);
  }

  /**
   * Loads a thread and makes it live on this server (`thread/resume`), applying `overrides`
   * (model, cwd, approvalPolicy, sandbox, instructions, ...). Works on threads persisted by any
   * earlier app-server on the same `CODEX_HOME`.
   */
  async threadResume(threadId: string, overrides: ThreadResumeOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/resume", { ...overrides, threadId });
    return this.#bind(response.thread.id, response);
  }

  /** Copies a thread into a new one (`thread/fork`); returns the new thread. */
  async threadFork(threadId: string, overrides: ThreadForkOptions = {}): Promise<Thread> {
    const response = await this.client.request("thread/fork", { ...overrides, threadId });
    return this.#bind(response.thread.id, response);
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
    this.#connection.loadedThreads.delete(threadId);
    this.#context.router.lose(threadId, "the thread was archived (thread/archive)");
  }

  /**
   * @internal What this connection still holds, for leak checks: requests awaiting a reply or
   * queued, server requests being answered, notification subscribers, the turns being routed, and
   * the per-turn server-request handlers and in-progress items kept.
   */
  get load(): AppServerClient["load"] & {
    turns: TurnRouter["size"];
    serverRequestScope: CodexServerRequestScope["size"];
  } {
    return {
      ...this.client.load,
      turns: this.#context.router.size,
      serverRequestScope: this.#context.serverRequests.size,
    };
  }

  /** Restores an archived thread (`thread/unarchive`). */
  async threadUnarchive(threadId: string): Promise<Thread> {
    const response = await this.client.request("thread/unarchive", { threadId });
    return this.#bind(response.thread.id, response);
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
    if (typeof apiKey !== "string" || apiKey.trim() === "")
      throw new InvalidInputError("loginApiKey(): apiKey must be a non-empty string.");
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
    return new ChatgptDeviceCodeLogin(
      this.client,
      response.loginId,
      outcome,
      response.verificationUrl,
      response.userCode,
    );
  }

  /** A handle on `threadId`, remembered so that a reconnect resumes the thread. */
  #bind(threadId: string, info?: ThreadInfo): Thread {
    this.#connection.loadedThreads.add(threadId);
    return new Thread(this.#context, threadId, info);
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
   * Closes the connection: a spawned app-server is ended (stdin EOF, then SIGTERM, then
   * SIGKILL); a server reached with `connect()` keeps running. Running turns reject with
   * `TransportClosedError`. Idempotent.
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
    if (typeof method !== "string")
      throw new InvalidInputError(`optOutNotifications must hold method names, got ${typeof method}.`);
  }
  // Without these a turn can never be seen to end: run() would wait forever.
  if (list.includes("turn/completed")) {
    throw new InvalidInputError(`optOutNotifications cannot include "turn/completed": a turn ends only with it.`);
  }
  return list;
}

function newConnectionRecord(closed: Promise<TransportCloseInfo>): ConnectionRecord {
  return { closed, state: "connected", listeners: new Set(), loadedThreads: new Set() };
}

/** Tells every `onConnectionChange` listener the connection's new state; a listener that throws is logged. */
function notifyConnectionListeners(
  connection: ConnectionRecord,
  state: ConnectionState,
  logger: NormalizedLogger,
): void {
  for (const listener of [...connection.listeners]) {
    try {
      listener(state);
    } catch (error) {
      logger.error(
        `An onConnectionChange listener threw: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  }
}

function closeInfoOf(error: TransportClosedError): TransportCloseInfo {
  return {
    exitCode: error.exitCode,
    signal: error.signal,
    stderrTail: error.stderrTail,
    reason: error.reason,
    error: error.cause,
  };
}

/** The server's version from `initialize`; throws `IncompatibleServerError` if it is too old. */
function checkServerVersion(response: InitializeResponse, clientName: string, logger: NormalizedLogger): string | null {
  const serverVersion = parseServerVersion(response.userAgent, clientName);
  if (serverVersion !== null && compareVersions(serverVersion, GENERATED_FOR_CODEX_VERSION) < 0) {
    throw new IncompatibleServerError(
      { serverVersion, requiredVersion: GENERATED_FOR_CODEX_VERSION },
      `The codex app-server is version ${serverVersion}, older than ${GENERATED_FOR_CODEX_VERSION}, the version this SDK's protocol types were generated from. ` +
        `Use codex ${GENERATED_FOR_CODEX_VERSION} or newer: install @codex/sdk (it bundles a matching runtime) or point codexBin at a newer binary.`,
    );
  }
  if (serverVersion === null) {
    logger.warn(
      `Could not read the server's version from its user agent ${JSON.stringify(response.userAgent)}; not checking compatibility.`,
    );
  }
  return serverVersion;
}

/**
 * The token for one connection attempt; a function is asked every time, and must answer within
 * `timeoutMs` (`TimeoutError`) and before `signal` aborts (`AbortError`).
 */
async function resolveToken(
  token: ConnectOptions["token"],
  url: string,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  if (token === undefined) return undefined;
  const value =
    typeof token === "function" ? await settleWithin(Promise.resolve().then(token), url, signal, timeoutMs) : token;
  if (typeof value !== "string" || value === "" || /[\r\n]/.test(value)) {
    throw new InvalidInputError(
      `Codex.connect(${url}): the token must be a non-empty string without line breaks (got ${value === "" ? "an empty string" : typeof value}).`,
    );
  }
  return value;
}

/** `pending` (the token function's answer), unless `signal` aborts or `timeoutMs` passes first. */
function settleWithin<T>(
  pending: Promise<T>,
  url: string,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(abortErrorFrom(signal, `Codex.connect(${url}): getting the token`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortErrorFrom(signal!, `Codex.connect(${url}): getting the token`));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      reject(
        new TimeoutError(
          timeoutMs,
          undefined,
          `Codex.connect(${url}): the token function did not answer within ${timeoutMs} ms. Make it settle (or fail) sooner, or raise connectTimeoutMs.`,
        ),
      );
    }, timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Bad limits fail here, before a process is spawned only to be closed again. */
function checkLimits(options: CodexOptions | ConnectOptions): void {
  const limits: [string, number | undefined][] = [
    ["maxInFlight", options.maxInFlight],
    ["maxMessageBytes", options.maxMessageBytes],
    ["connectTimeoutMs", "connectTimeoutMs" in options ? options.connectTimeoutMs : undefined],
  ];
  for (const [name, value] of limits) {
    if (value !== undefined && !(typeof value === "number" && value >= 1)) {
      throw new InvalidInputError(`${name} must be a number of at least 1, got ${String(value)}.`);
    }
  }
  const heartbeat = "heartbeatMs" in options ? options.heartbeatMs : undefined;
  if (heartbeat !== undefined && !(typeof heartbeat === "number" && heartbeat >= 0)) {
    throw new InvalidInputError(
      `heartbeatMs must be a number of milliseconds (0 turns the heartbeat off), got ${String(heartbeat)}.`,
    );
  }
  // 0 would time every request out at once.
  const timeout = options.requestTimeoutMs;
  if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0)) {
    throw new InvalidInputError(
      `requestTimeoutMs must be a number of milliseconds greater than 0 (or Infinity for none), got ${String(timeout)}.`,
    );
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
    maxMessageBytes: options.maxMessageBytes,
  });
}
