// The options of `Codex.start()` and `Codex.connect()`, what `initialize` tells about the server,
// and the checks that reject bad options before anything is spawned or dialled.

import type {
  ClientInfo,
  InitializeResponse,
  LoginAccountParams,
  ModelListParams,
  ServerNotificationMethod,
  ThreadForkParams,
  ThreadListParams,
  ThreadResumeParams,
  ThreadStartParams,
} from "@codex/protocol-types/experimental";
import { InvalidInputError } from "../errors.js";
import type { TomlTable } from "../process/config-flags.js";
import type { ServerRequestHandlers } from "../rpc/client.js";
import type { ClientInstrumentation } from "../rpc/instrumentation.js";
import type { Logger } from "../rpc/logger.js";
import type { ReconnectOptions } from "../rpc/reconnecting-transport.js";
import type { Transport } from "../rpc/transport.js";
import { SDK_VERSION } from "./version.js";

/** Options of `Codex.start()`. All optional. */
export interface CodexOptions {
  /**
   * Path of the native codex binary. Without it, the binary is looked up in the order
   * `resolveRuntime()` (from the `/rpc` entry) describes.
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

export function checkOptOut(methods: CodexOptions["optOutNotifications"]): string[] {
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

/** Bad limits fail here, before a process is spawned only to be closed again. */
export function checkLimits(options: CodexOptions | ConnectOptions): void {
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
