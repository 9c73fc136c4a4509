// `Codex`: one app-server connection. Starts eagerly (spawn + initialize), hands out `Thread`s,
// routes every turn's notifications, and owns account login.
import type {
  GetAccountParams,
  GetAccountResponse,
  InitializeParams,
  InitializeResponse,
  LoginAccountResponse,
  ModelListResponse,
  ThreadListResponse,
} from "@codex/protocol-types/experimental";
import {
  AbortError,
  abortErrorFrom,
  IncompatibleServerError,
  InvalidInputError,
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import { connectWebSocket, DEFAULT_CONNECT_TIMEOUT_MS, parseAppServerUrl } from "../net/websocket-transport.js";
import { AppServerClient, type Subscription } from "../rpc/client.js";
import { normalizeLogger, type NormalizedLogger } from "../rpc/logger.js";
import { type ClientInstrumentation, guardInstrumentation, type RequestObservation } from "../rpc/instrumentation.js";
import { normalizeReconnect, ReconnectingTransport, type ConnectionState } from "../rpc/reconnecting-transport.js";
import type { Transport, TransportCloseInfo } from "../rpc/transport.js";
import { spawnAppServer } from "../process/spawn-app-server.js";
import { ChatgptDeviceCodeLogin, ChatgptLogin, startLogin } from "./login.js";
import { Thread, type ThreadContext } from "./thread.js";
import { ThreadUsageStore, type ThreadInfo } from "./thread-state.js";
import { CodexServerRequestScope } from "./server-request-context.js";
import { TurnRouter } from "./turn-router.js";
import {
  checkLimits,
  checkOptOut,
  type CodexMetadata,
  type CodexOptions,
  type ConnectOptions,
  DEFAULT_CLIENT_INFO,
  type ChatgptLoginOptions,
  type ModelListOptions,
  type ThreadForkOptions,
  type ThreadListOptions,
  type ThreadResumeOptions,
  type ThreadStartOptions,
} from "./codex-options.js";
import { compareVersions, GENERATED_FOR_CODEX_VERSION, parseServerName, parseServerVersion } from "./version.js";

/** How long `Codex.start()` waits for `initialize` when `requestTimeoutMs` is not set. */
const DEFAULT_INITIALIZE_TIMEOUT_MS = 60_000;

/** @internal The connection state a `Codex` shares with its reconnect logic. */
interface ConnectionRecord {
  closed: Promise<TransportCloseInfo>;
  state: ConnectionState;
  readonly listeners: Set<(state: ConnectionState) => void>;
  /** Threads this client started, resumed, forked or bound: resumed after a reconnect. */
  readonly loadedThreads: Set<string>;
}

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
        instrumentation: followingUnsubscribes(options.instrumentation, logger, (threadId) => {
          router.lose(threadId, "the thread was unsubscribed (thread/unsubscribe)");
          connection.loadedThreads.delete(threadId);
        }),
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

/**
 * The user's `instrumentation` plus what `Codex` must hear of a request: a `thread/unsubscribe`
 * (from `thread.unsubscribe()`, or sent on `codex.client` directly) stops the thread's events on
 * this connection, so its turns end and it is not resumed after a reconnect; so does one whose
 * outcome is unknown (timed out, aborted). The server sends no
 * notification of it: the request's settlement is the one place to learn it.
 */
function followingUnsubscribes(
  instrumentation: ClientInstrumentation | undefined,
  logger: NormalizedLogger,
  unsubscribed: (threadId: string) => void,
): ClientInstrumentation {
  // Guarded here, so that a throwing hook of the user's cannot skip the unsubscribe below.
  const inner =
    instrumentation === undefined
      ? undefined
      : guardInstrumentation(instrumentation, (message, error) => logger.error(message, error));
  const request = (method: string, params: unknown): RequestObservation | undefined => {
    const observation = inner?.request?.(method, params);
    const threadId =
      method === "thread/unsubscribe" && typeof params === "object" && params !== null
        ? (params as { threadId?: unknown }).threadId
        : undefined;
    if (typeof threadId !== "string") return observation;
    return {
      trace: observation?.trace,
      end(outcome) {
        try {
          // Timed out or aborted, the request may have been carried out: the server may send the
          // thread's turns nothing more. Ending them (TurnLostError) beats a turn waiting forever.
          if (outcome.ok || TimeoutError.isInstance(outcome.error) || AbortError.isInstance(outcome.error)) {
            unsubscribed(threadId);
          }
        } catch (error) {
          logger.error(`Ending the turns of unsubscribed thread ${threadId} failed`, error);
        }
        observation?.end(outcome);
      },
    };
  };
  return { ...inner, request };
}
