// A Transport that outlives its connections: when the one it carries is lost, it opens another
// (with bounded, jittered backoff), runs the handshake on it, and carries on. The client above
// keeps its handlers, subscriptions and queue; what was in flight is failed through
// `TransportReceiver.interrupted`.

import {
  AuthenticationError,
  CodexError,
  IncompatibleServerError,
  InvalidInputError,
  TimeoutError,
  TransportClosedError,
} from "../errors.js";
import type { NormalizedLogger } from "./logger.js";
import type { Transport, TransportCloseInfo, TransportReceiver } from "./transport.js";

/** How to reconnect after a lost connection. */
export interface ReconnectOptions {
  /** Connection attempts after one loss before giving up for good. Default 10. */
  maxAttempts?: number | undefined;
  /** Delay before the first attempt, in ms; it doubles per attempt. Default 250. */
  initialDelayMs?: number | undefined;
  /** Largest delay between attempts, in ms. Default 5000. */
  maxDelayMs?: number | undefined;
}

/** @internal `ReconnectOptions` with the defaults filled in. */
export interface ResolvedReconnectOptions {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** The state of a connection: `reconnecting` only with the `reconnect` option. */
export type ConnectionState = "connected" | "reconnecting" | "closed";

/** Requests on a fresh connection before the client's own traffic resumes. */
export interface Handshake {
  /** Sends a request on the new connection and resolves with its result (rejects with the error reply). */
  request(method: string, params: unknown): Promise<unknown>;
  /** Sends a notification on the new connection. */
  notify(method: string, params?: unknown): Promise<void>;
}

/** @internal Options of `ReconnectingTransport`. */
export interface ReconnectingTransportOptions {
  /** Opens a new connection (a new process, a new socket). */
  open(): Promise<Transport>;
  /** Runs on each new connection before queued messages go out (`initialize`, resuming threads). */
  prepare(handshake: Handshake): Promise<void>;
  reconnect: ResolvedReconnectOptions;
  logger: NormalizedLogger;
  /** How long one handshake request may take. */
  handshakeTimeoutMs: number;
  /** Called on every state change, with how the connection was lost for "reconnecting" and "closed". */
  onState(state: ConnectionState, info: TransportCloseInfo | undefined): void;
}

const JITTER_RATIO = 0.2;

/** Checks the `reconnect` option; `false`/`undefined` mean none. */
export function normalizeReconnect(
  reconnect: false | ReconnectOptions | undefined,
): ResolvedReconnectOptions | undefined {
  if (reconnect === undefined || reconnect === false) return undefined;
  const result: ResolvedReconnectOptions = {
    maxAttempts: reconnect.maxAttempts ?? 10,
    initialDelayMs: reconnect.initialDelayMs ?? 250,
    maxDelayMs: reconnect.maxDelayMs ?? 5000,
  };
  for (const [name, value, minimum] of [
    ["maxAttempts", result.maxAttempts, 1],
    ["initialDelayMs", result.initialDelayMs, 0],
    ["maxDelayMs", result.maxDelayMs, 0],
  ] as const) {
    if (!(typeof value === "number" && value >= minimum && Number.isFinite(value))) {
      throw new InvalidInputError(
        `reconnect.${name} must be a finite number of at least ${minimum}, got ${String(value)}.`,
      );
    }
  }
  return result;
}

/** The delay before attempt `attempt` (0-based): exponential, capped, ±20 % jitter. */
export function reconnectDelay(
  attempt: number,
  options: ResolvedReconnectOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
  const jitter = base * JITTER_RATIO * (random() * 2 - 1);
  return Math.max(0, Math.round(base + jitter));
}

interface QueuedSend {
  message: object;
  resolve(): void;
  reject(error: unknown): void;
}

/** @internal */
export class ReconnectingTransport implements Transport {
  readonly closed: Promise<TransportCloseInfo>;
  private current: Transport;
  private readonly options: ReconnectingTransportOptions;
  private readonly reconnect: ResolvedReconnectOptions;
  private receiver: TransportReceiver | undefined;
  private state: ConnectionState = "connected";
  private queue: QueuedSend[] = [];
  private closing: string | undefined;
  private resolveClosed!: (info: TransportCloseInfo) => void;
  private isClosed = false;
  private delayTimer: ReturnType<typeof setTimeout> | undefined;
  private wakeDelay: (() => void) | undefined;
  private handshakeWaiters = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>();
  private nextHandshakeId = 1;
  private lostDuringHandshake = false;

  constructor(first: Transport, options: ReconnectingTransportOptions) {
    this.current = first;
    this.options = options;
    this.reconnect = options.reconnect;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  start(receiver: TransportReceiver): void {
    if (this.receiver !== undefined) throw new Error("Transport.start() was called twice.");
    this.receiver = receiver;
    this.attach(this.current);
  }

  send(message: object): Promise<void> {
    if (this.isClosed || this.closing !== undefined)
      return Promise.reject(new TransportClosedError({ reason: this.closing ?? "the connection closed" }));
    if (this.state === "connected") return this.current.send(message);
    // Reconnecting: the message goes out on the new connection (the client's timeout bounds the
    // wait; a request given up on by then is dropped).
    return new Promise((resolve, reject) => this.queue.push({ message, resolve, reject }));
  }

  async close(reason?: string): Promise<void> {
    if (this.closing === undefined && !this.isClosed) {
      this.closing = reason ?? "closed by the client";
      if (this.delayTimer !== undefined) clearTimeout(this.delayTimer);
      this.wakeDelay?.();
      await this.current.close(this.closing);
      // While reconnecting, `current` may be a dead connection whose loss is already handled.
      if (this.state !== "connected")
        this.finish({ exitCode: null, signal: null, stderrTail: "", reason: this.closing });
    }
    await this.closed;
  }

  private attach(transport: Transport): void {
    transport.start({
      message: (message) => this.incoming(message),
      dropped: (info) => this.receiver?.dropped?.(info),
    });
    void transport.closed.then((info) => this.lost(transport, info));
  }

  private incoming(message: unknown): void {
    const id = (message as { id?: unknown } | null)?.id;
    if (typeof id === "string" && this.handshakeWaiters.has(id) && !("method" in (message as object))) {
      const waiter = this.handshakeWaiters.get(id)!;
      this.handshakeWaiters.delete(id);
      const { result, error } = message as { result?: unknown; error?: { message?: unknown } };
      if (error !== undefined && error !== null)
        waiter.reject(
          new CodexError(
            `The app-server refused a reconnect request: ${String(error.message ?? JSON.stringify(error))}`,
          ),
        );
      else waiter.resolve(result);
      return;
    }
    this.receiver?.message(message);
  }

  private lost(transport: Transport, info: TransportCloseInfo): void {
    if (transport !== this.current) return;
    if (this.closing !== undefined) {
      this.finish({ ...info, reason: this.closing });
      return;
    }
    if (this.state === "reconnecting") {
      // A new connection died during its handshake: fail the handshake, and the loop tries again.
      this.lostDuringHandshake = true;
      const error = new TransportClosedError({ reason: info.reason });
      for (const waiter of this.handshakeWaiters.values()) waiter.reject(error);
      this.handshakeWaiters.clear();
      return;
    }
    this.setState("reconnecting", info);
    this.receiver?.interrupted?.(info);
    void this.reconnectLoop(info);
  }

  private async reconnectLoop(lostInfo: TransportCloseInfo): Promise<void> {
    let lastError: unknown = lostInfo.error;
    for (let attempt = 0; attempt < this.reconnect.maxAttempts; attempt++) {
      await this.delay(reconnectDelay(attempt, this.reconnect));
      if (this.closing !== undefined) return;
      let transport: Transport;
      try {
        transport = await this.options.open();
      } catch (error) {
        lastError = error;
        this.options.logger.info(
          `Reconnect attempt ${attempt + 1} of ${this.reconnect.maxAttempts} failed: ${describe(error)}`,
        );
        if (AuthenticationError.isInstance(error)) break;
        continue;
      }
      if (this.closing !== undefined) {
        await transport.close(this.closing);
        return;
      }
      this.current = transport;
      this.lostDuringHandshake = false;
      this.attach(transport);
      try {
        await this.options.prepare(this.handshake(transport));
        if (this.lostDuringHandshake)
          throw new TransportClosedError({ reason: "the new connection closed during the handshake" });
      } catch (error) {
        lastError = error;
        this.options.logger.warn(`Reconnect attempt ${attempt + 1}: the handshake failed: ${describe(error)}`);
        // Closing it fires `lost` for this transport; it is no longer the current one.
        this.current = DEAD;
        await transport.close("the handshake after reconnecting failed");
        if (IncompatibleServerError.isInstance(error) || this.closing !== undefined) break;
        continue;
      }
      if (this.closing !== undefined) return;
      // Held messages go out first, then listeners hear "connected": a message a listener sends
      // must not overtake them.
      const queue = this.queue;
      this.queue = [];
      for (const entry of queue) {
        // A request that timed out or was aborted while held is not sent: nobody waits for its reply.
        if (this.receiver?.abandoned?.(entry.message) === true) {
          entry.resolve();
          continue;
        }
        transport.send(entry.message).then(entry.resolve, entry.reject);
      }
      this.setState("connected", undefined);
      return;
    }
    if (this.closing !== undefined) return;
    const reason = `the connection was lost (${lostInfo.reason ?? "closed"}) and reconnecting failed: ${describe(lastError)}`;
    this.finish({ ...lostInfo, reason, error: lastError });
  }

  private handshake(transport: Transport): Handshake {
    const request = (method: string, params: unknown): Promise<unknown> => {
      const id = `sdk-reconnect-${this.nextHandshakeId++}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.handshakeWaiters.delete(id);
          reject(new TimeoutError(this.options.handshakeTimeoutMs, method));
        }, this.options.handshakeTimeoutMs);
        this.handshakeWaiters.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        transport.send({ id, method, params }).catch((error: unknown) => {
          this.handshakeWaiters.delete(id);
          clearTimeout(timer);
          reject(error);
        });
      });
    };
    const notify = (method: string, params?: unknown): Promise<void> =>
      transport.send(params === undefined ? { method } : { method, params });
    return { request, notify };
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeDelay = () => {
        this.wakeDelay = undefined;
        this.delayTimer = undefined;
        resolve();
      };
      this.delayTimer = setTimeout(this.wakeDelay, ms);
    });
  }

  private setState(state: ConnectionState, info: TransportCloseInfo | undefined): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onState(state, info);
  }

  private finish(info: TransportCloseInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const error = new TransportClosedError({ reason: info.reason });
    for (const entry of this.queue) entry.reject(error);
    this.queue = [];
    for (const waiter of this.handshakeWaiters.values()) waiter.reject(error);
    this.handshakeWaiters.clear();
    this.resolveClosed(info);
    this.setState("closed", info);
  }
}

/** A stand-in for "no current connection" while a failed one is being closed. */
const DEAD: Transport = {
  start() {},
  send: () => Promise.reject(new TransportClosedError({ reason: "no connection" })),
  close: () => Promise.resolve(),
  closed: new Promise<TransportCloseInfo>(() => {}),
};

function describe(error: unknown): string {
  if (TransportClosedError.isInstance(error) && error.reason !== undefined) return error.reason;
  return error instanceof Error ? error.message : String(error);
}
