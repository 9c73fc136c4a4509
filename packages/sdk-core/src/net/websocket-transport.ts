// The WebSocket Transport: a running `codex app-server --listen ws://IP:PORT` (or `unix://PATH`,
// which serves the same WebSocket protocol over a unix socket). One JSON-RPC message per text
// frame, as the server sends and expects them (it refuses a frame holding two messages).

import os from "node:os";
import path from "node:path";
import { WebSocket } from "ws";
import type { RawData } from "ws";
import {
  abortErrorFrom,
  AuthenticationError,
  type CodexError,
  InvalidInputError,
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../rpc/framing.js";
import { normalizeLogger, redactSecretValues } from "../rpc/logger.js";
import type { Logger, NormalizedLogger } from "../rpc/logger.js";
import type { Transport, TransportCloseInfo, TransportReceiver } from "../rpc/transport.js";

/** How long `connectWebSocket` waits for the upgrade by default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How often an idle connection is pinged by default. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** After a close frame, how long to wait for the server's before dropping the socket. */
const CLOSE_GRACE_MS = 2_000;

/** Options of `connectWebSocket`. */
export interface WebSocketTransportOptions {
  /** Sent as `Authorization: Bearer <token>` on the upgrade. */
  token?: string | undefined;
  /** Extra headers of the upgrade request. An `Origin` header makes the app-server refuse it. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** How long to wait for the connection, in ms. Default 10 000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Largest incoming message in bytes. Default 64 MiB. A larger frame ends the connection (a
   * WebSocket cannot skip one frame).
   */
  maxMessageBytes?: number | undefined;
  /**
   * Ping the server this often (ms); a connection that answers neither a ping nor anything else
   * for this long is closed, so a dead peer (a dropped SSH tunnel, a sleeping laptop) is noticed
   * instead of hanging. Default 30 000; 0 turns it off.
   */
  heartbeatMs?: number | undefined;
  /** Aborting it while connecting rejects with `AbortError` and leaves no socket. */
  signal?: AbortSignal | undefined;
  /** Receives frames that are not JSON and connection problems. */
  logger?: Logger | undefined;
}

/** Where a URL leads: a TCP WebSocket URL, or a unix socket. */
export interface AppServerAddress {
  /** The URL as the user wrote it, its query and fragment redacted (shown in errors). */
  url: string;
  /** What `ws` connects to (`ws://…`, `wss://…` or `ws+unix://PATH:/`). */
  target: string;
  /** The socket path, for `unix://`. */
  socketPath: string | undefined;
}

/**
 * The daemon's control socket: `$CODEX_HOME/app-server-control/app-server-control.sock`
 * (`CODEX_HOME` defaults to `~/.codex`). `codex app-server daemon start` serves it, and so does
 * `codex app-server --listen unix://`.
 */
export function defaultControlSocketPath(codexHome: string | undefined = process.env["CODEX_HOME"]): string {
  const home = codexHome !== undefined && codexHome !== "" ? codexHome : path.join(os.homedir(), ".codex");
  return path.join(home, "app-server-control", "app-server-control.sock");
}

/**
 * Reads an app-server URL: `ws://HOST:PORT[/path]`, `wss://…`, `unix://PATH` (absolute), or
 * `unix://` alone for the daemon's default control socket.
 */
export function parseAppServerUrl(url: string, codexHome?: string): AppServerAddress {
  if (typeof url !== "string" || url === "")
    throw new InvalidInputError(
      "Codex.connect(): url must be a non-empty string such as ws://127.0.0.1:4500 or unix:///path/to/socket.",
    );
  if (url.startsWith("unix://")) {
    const rest = url.slice("unix://".length);
    const socketPath = rest === "" ? defaultControlSocketPath(codexHome) : rest;
    if (!path.isAbsolute(socketPath)) {
      throw new InvalidInputError(
        `Codex.connect(): ${url} names a relative socket path; write unix:// followed by an absolute path (unix:///run/codex.sock), or unix:// alone for the daemon's control socket.`,
      );
    }
    return { url, target: `ws+unix://${socketPath}:/`, socketPath };
  }
  // Messages name the URL without its query and fragment: a `?token=` there must not leak
  // into errors, close reasons or logs.
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(
      `Codex.connect(): ${shown} is not a URL; use ws://HOST:PORT, wss://HOST:PORT or unix:///path/to/socket.`,
    );
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new InvalidInputError(
      `Codex.connect(): ${shown} has the scheme ${parsed.protocol}; use ws://, wss:// or unix://.`,
    );
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new InvalidInputError("Codex.connect(): put credentials in the token option, not in the URL.");
  }
  return { url: shown, target: parsed.toString(), socketPath: undefined };
}

/** `url` with its query and fragment replaced by `?…` / `#…`, for messages. */
function redactUrl(url: string): string {
  const cut = url.search(/[?#]/);
  if (cut === -1) return url;
  return url.slice(0, cut) + (url[cut] === "?" ? "?…" : "#…");
}

/**
 * Connects to a running app-server over WebSocket and resolves with its `Transport` once the
 * upgrade succeeded. Rejects with `AuthenticationError` (401/403: token missing or refused, or an
 * `Origin` header), `TransportClosedError` naming the URL (nothing listening, connection
 * refused or reset), `TimeoutError` (no answer within `connectTimeoutMs`), or `AbortError`.
 */
export function connectWebSocket(
  address: string | AppServerAddress,
  options: WebSocketTransportOptions = {},
): Promise<Transport> {
  const where = typeof address === "string" ? parseAppServerUrl(address) : address;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortErrorFrom(signal, `Connecting to ${where.url}`));
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const headers: Record<string, string> = { ...options.headers };
  const tokenSent = options.token !== undefined && options.token !== "";
  if (tokenSent) headers["Authorization"] = `Bearer ${options.token}`;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return new Promise<Transport>((resolve, reject) => {
    let settled = false;
    const socket = new WebSocket(where.target, {
      headers,
      maxPayload: maxMessageBytes,
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
    });
    const transport = new WebSocketTransport(
      socket,
      where.url,
      options.logger,
      options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    );
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.removeAllListeners("open");
      // terminate() on a socket still connecting emits "error" again; the transport's listener absorbs it.
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
      reject(error);
    };
    const onAbort = (): void => fail(abortErrorFrom(signal!, `Connecting to ${where.url}`));
    const cleanup = (): void => {
      signal?.removeEventListener("abort", onAbort);
      socket.off("unexpected-response", onUnexpected);
      socket.off("error", onError);
    };
    const onUnexpected = (_request: unknown, response: import("node:http").IncomingMessage): void => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        if (size < 1024) chunks.push(chunk);
        size += chunk.length;
      });
      let bodyTimer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        clearTimeout(bodyTimer);
        const body = Buffer.concat(chunks).toString("utf8").slice(0, 200).trim();
        fail(refusedError(where.url, status, body, tokenSent));
      };
      response.once("end", finish);
      response.once("error", finish);
      response.once("aborted", finish);
      // A server that never ends the body still gets an answer within the timeout.
      bodyTimer = setTimeout(finish, 1000);
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      if (/handshake has timed out/i.test(error.message)) {
        fail(
          new TimeoutError(
            timeoutMs,
            undefined,
            `No answer from the app-server at ${where.url} within ${timeoutMs} ms. Check the URL and that the server (or the SSH tunnel to it) is up; raise connectTimeoutMs on a slow link.`,
          ),
        );
        return;
      }
      fail(connectError(where, error));
    };
    socket.once("open", () => {
      if (settled) return;
      settled = true;
      cleanup();
      transport.startHeartbeat();
      resolve(transport);
    });
    socket.on("unexpected-response", onUnexpected);
    socket.on("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function refusedError(url: string, status: number, body: string, tokenSent: boolean): CodexError {
  const said = body === "" ? "" : ` ("${body}")`;
  if (status === 401) {
    const what = tokenSent
      ? `refused the token${said}. Check that the token matches the server's --ws-token-file (capability-token mode), or, for --ws-auth signed-bearer-token, that it is an HS256 JWT signed with the --ws-shared-secret-file secret and not expired, with the expected issuer and audience`
      : `requires a token${said} (it runs with --ws-auth). Pass the token option: the contents of its --ws-token-file, or a JWT signed with its --ws-shared-secret-file`;
    return new AuthenticationError(`The app-server at ${url} ${what}.`, { url, status, tokenSent });
  }
  if (status === 403) {
    return new AuthenticationError(
      `The app-server at ${url} refused the connection (HTTP 403${said}). It refuses every upgrade that carries an Origin header (so that web pages cannot connect): do not set Origin in headers, and connect from a program, not a browser.`,
      { url, status, tokenSent },
    );
  }
  return new TransportClosedError({
    reason: `the app-server at ${url} answered the WebSocket upgrade with HTTP ${status}${said}; is that URL a codex app-server started with --listen?`,
  });
}

function connectError(where: AppServerAddress, error: NodeJS.ErrnoException): TransportClosedError {
  const code = error.code;
  let hint: string;
  if (code === "ECONNREFUSED" || (code === "ENOENT" && where.socketPath !== undefined)) {
    hint =
      where.socketPath !== undefined
        ? `nothing is listening on the socket ${where.socketPath}. Start the server (codex app-server --listen unix://${where.socketPath}, or codex app-server daemon start for the control socket)`
        : `nothing is listening there. Start the server (codex app-server --listen ${where.url}) or check the host, port and SSH tunnel`;
  } else if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    hint = "the host name does not resolve";
  } else if (code === "ECONNRESET" || code === "EPIPE") {
    hint = "the connection was reset during the upgrade; is this a codex app-server (and ws:// vs wss:// right)?";
  } else if (code === "EACCES") {
    hint = "permission denied on the socket";
  } else {
    hint = error.message;
  }
  return new TransportClosedError({
    reason: `could not connect to ${where.url}: ${code ?? "error"}, ${hint}`,
    cause: error,
  });
}

class WebSocketTransport implements Transport {
  readonly closed: Promise<TransportCloseInfo>;
  private readonly socket: WebSocket;
  private readonly url: string;
  private readonly logger: NormalizedLogger;
  private receiver: TransportReceiver | undefined;
  private early: unknown[] = [];
  private closeReason: string | undefined;
  private lastError: Error | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly heartbeatMs: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Something (a pong, a message) arrived since the last ping. */
  private heard = true;

  constructor(socket: WebSocket, url: string, logger: Logger | undefined, heartbeatMs: number) {
    this.socket = socket;
    this.url = url;
    this.logger = normalizeLogger(logger);
    this.heartbeatMs = heartbeatMs;
    socket.on("message", (data, isBinary) => {
      this.heard = true;
      this.frame(data, isBinary);
    });
    socket.on("pong", () => {
      this.heard = true;
    });
    socket.on("error", (error) => {
      this.lastError = error;
      this.logger.debug(`WebSocket ${url}: ${error.message}`);
    });
    this.closed = new Promise((resolve) => {
      socket.once("close", (code: number, reasonBuffer: Buffer) => {
        if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
        if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
        socket.removeAllListeners("message");
        const said = reasonBuffer.toString("utf8");
        const reason =
          this.closeReason ??
          (code === 1009 ||
          (this.lastError as { code?: unknown } | undefined)?.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"
            ? `the app-server at ${url} sent a message over maxMessageBytes, which ends a WebSocket connection; raise maxMessageBytes`
            : `the connection to ${url} closed (code ${code}${said === "" ? "" : `, "${said}"`})`);
        resolve({ exitCode: null, signal: null, stderrTail: "", reason, error: this.lastError });
      });
    });
  }

  /** @internal Starts pinging once the connection is open. */
  startHeartbeat(): void {
    if (!(this.heartbeatMs > 0) || this.heartbeat !== undefined) return;
    this.heartbeat = setInterval(() => {
      if (!this.heard) {
        this.closeReason ??= `the app-server at ${this.url} answered nothing, not even a ping, for ${this.heartbeatMs} ms; the connection was dropped`;
        this.socket.terminate();
        return;
      }
      this.heard = false;
      this.socket.ping();
    }, this.heartbeatMs);
    // The heartbeat alone must not keep a program alive.
    this.heartbeat.unref();
  }

  start(receiver: TransportReceiver): void {
    if (this.receiver !== undefined) throw new Error("Transport.start() was called twice.");
    this.receiver = receiver;
    const early = this.early;
    this.early = [];
    for (const message of early) receiver.message(message);
  }

  send(message: object): Promise<void> {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new TransportClosedError({ reason: `send after the connection to ${this.url} closed` }));
    }
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.socket.send(text, (error) => {
        if (error)
          reject(new TransportClosedError({ reason: `sending to ${this.url} failed: ${error.message}`, cause: error }));
        else resolve();
      });
    });
  }

  async close(reason?: string): Promise<void> {
    if (this.closeReason === undefined) {
      this.closeReason = reason ?? "closed by the client";
      if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
        this.socket.close(1000);
        // A server that never answers the close frame must not keep the socket (and us) waiting.
        this.closeTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
      }
    }
    await this.closed;
  }

  private frame(data: RawData, isBinary: boolean): void {
    const text = Buffer.isBuffer(data)
      ? data.toString("utf8")
      : Array.isArray(data)
        ? Buffer.concat(data).toString("utf8")
        : Buffer.from(data).toString("utf8");
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.logger.warn(
        `Ignoring a ${isBinary ? "binary" : "text"} frame from ${this.url} that is not JSON: ${redactSecretValues(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`,
      );
      return;
    }
    if (this.receiver === undefined) this.early.push(message);
    else this.receiver.message(message);
  }
}
