// The one scripted app-server of the unit tests: the far end of an in-memory pair, played by the
// test. The client (`Codex` or `AppServerClient`) talks to it exactly as to the real server; the
// test decides what is answered, what is sent and when, including orderings the real server
// produces only sometimes (a turn's events before its `turn/start` reply) and bytes it never
// writes (invalid UTF-8, oversized lines).
//
// The pair carries either whole messages (`framing: "messages"`, as a WebSocket does) or bytes
// split into lines (`framing: "lines"`, as stdio does; then `sendRaw` writes any bytes at all).
import { Codex, type CodexOptions, GENERATED_FOR_CODEX_VERSION } from "../../src/index.js";
import { AppServerClient, type AppServerClientOptions } from "../../src/rpc/client.js";
import { LineDecoder } from "../../src/rpc/framing.js";
import {
  createInMemoryByteStreamPair,
  createLineTransport,
  type InMemoryByteStream,
  type LineTransportOptions,
} from "../../src/rpc/line-transport.js";
import {
  createInMemoryTransportPair,
  type InMemoryTransport,
  type Transport,
  type TransportCloseInfo,
} from "../../src/rpc/transport.js";

/** A message the client sent, parsed. */
export interface ClientMessage {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  [key: string]: unknown;
}

/** A request the client sent. */
export interface ReceivedRequest extends ClientMessage {
  id: number | string;
  method: string;
  params: Record<string, unknown>;
}

type Handler = (request: ReceivedRequest, server: ScriptedServer) => void | Promise<void>;

/** How the pair carries messages. */
export type Framing = "messages" | "lines";

/** Options of {@link scriptedPair}. */
export interface ScriptedPairOptions extends LineTransportOptions {
  /** `"lines"` (default): bytes with line framing, as on stdio. `"messages"`: whole messages, as over a WebSocket. */
  framing?: Framing;
  /** Answer `initialize` as the pinned app-server does (default false). */
  answerInitialize?: boolean;
}

/** The client's end of a scripted pair; `closeWith` ends the pair as a crashed server would. */
export type ScriptedClientEnd = Transport & { closeWith(info: Partial<TransportCloseInfo>): Promise<void> };

/** The server end: records every message the client sends and answers as the test scripts it. */
export class ScriptedServer {
  /** Every message the client sent, in order. */
  readonly received: ClientMessage[] = [];
  /** The requests among them. */
  readonly requests: ReceivedRequest[] = [];
  /** The notifications among them. */
  readonly notifications: { method: string; params?: unknown }[] = [];
  /** The client's replies to server requests. */
  readonly replies: { id: number | string; result?: unknown; error?: unknown }[] = [];
  /** The raw lines the client wrote (line framing only). */
  readonly lines: string[] = [];
  /** What `initialize` reports, when the server answers it. */
  userAgent = `codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} (Scripted; test) scripted`;
  readonly #handlers = new Map<string, Handler>();
  #listeners: ((message: ClientMessage) => void)[] = [];
  readonly #encoder = new TextEncoder();
  readonly #wire: { send(message: object): Promise<void>; sendRaw(data: Uint8Array): Promise<void> };

  constructor(
    readonly end: InMemoryTransport | InMemoryByteStream,
    framing: Framing,
    options: { answerInitialize?: boolean } = {},
  ) {
    if (options.answerInitialize) this.answerInitialize();
    if (framing === "messages") {
      const messages = end as InMemoryTransport;
      messages.start({ message: (message) => this.#receive(message as ClientMessage) });
      this.#wire = {
        send: (message) => messages.send(message),
        sendRaw: () => Promise.reject(new Error("sendRaw needs line framing: use scriptedPair({ framing: 'lines' })")),
      };
    } else {
      const bytes = end as InMemoryByteStream;
      const decoder = new LineDecoder({
        line: (text) => {
          this.lines.push(text);
          this.#receive(JSON.parse(text) as ClientMessage);
        },
        oversized: () => {
          throw new Error("the client sent an oversized line");
        },
      });
      bytes.start((chunk) => decoder.push(chunk));
      this.#wire = {
        send: (message) => bytes.write(this.#encoder.encode(`${JSON.stringify(message)}\n`)),
        sendRaw: (data) => bytes.write(data),
      };
    }
  }

  /**
   * Handles every later request of `method` (replacing an earlier handler of it); `"*"` handles
   * the requests no other handler takes.
   */
  on(method: string, handler: Handler): this {
    this.#handlers.set(method, handler);
    return this;
  }

  /** Calls `listener` for every message the client sends from now on. */
  onMessage(listener: (message: ClientMessage) => void): void {
    this.#listeners.push(listener);
  }

  /** Answers `initialize` as the pinned app-server does (and ignores `initialized`). */
  answerInitialize(): this {
    return this.on("initialize", (request) =>
      this.reply(request.id, {
        userAgent: this.userAgent,
        codexHome: "/scripted-home",
        platformFamily: "unix",
        platformOs: "linux",
      }),
    );
  }

  /**
   * Resolves with the first message, already received or still to come, that matches; rejects
   * after `timeoutMs` (default 5000) so that a test fails with what it waited for, not a hang.
   */
  waitFor(
    match: (message: ClientMessage) => boolean,
    { timeoutMs = 5_000, what = "a matching message from the client" }: { timeoutMs?: number; what?: string } = {},
  ): Promise<ClientMessage> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        this.#listeners = this.#listeners.filter((other) => other !== listener);
      };
      const listener = (message: ClientMessage) => {
        if (!match(message)) return;
        stop();
        resolve(message);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#listeners.push(listener);
    });
  }

  /** Resolves once `predicate` holds (checked now and after every message from the client). */
  async until(predicate: () => boolean, what = "the client's messages to satisfy the test"): Promise<void> {
    if (!predicate()) await this.waitFor(() => predicate(), { what });
  }

  /** Resolves with the client's `nth` request of `method` (0-based), waiting for it if needed. */
  async request(method: string, nth = 0): Promise<ReceivedRequest> {
    const matches = () => this.requests.filter((request) => request.method === method);
    await this.until(() => matches().length > nth, `request ${nth} of ${method}`);
    return matches()[nth]!;
  }

  /** Resolves once the client has sent at least `count` messages in total; with the first `count`. */
  async waitForMessages(count: number): Promise<ClientMessage[]> {
    await this.until(() => this.received.length >= count);
    return this.received.slice(0, count);
  }

  /** The client's `index`-th message (0-based), waiting for it if needed. */
  async message(index: number): Promise<ClientMessage> {
    return (await this.waitForMessages(index + 1))[index]!;
  }

  /** Sends one message. */
  send(message: object): Promise<void> {
    return this.#wire.send(message);
  }

  /** Writes text or bytes as they are, no newline added (line framing only). */
  sendRaw(data: string | Uint8Array): Promise<void> {
    return this.#wire.sendRaw(typeof data === "string" ? this.#encoder.encode(data) : data);
  }

  reply(id: number | string | undefined, result: unknown): Promise<void> {
    return this.send({ id, result });
  }

  replyError(id: number | string | undefined, code: number, message: string, data?: unknown): Promise<void> {
    return this.send({ error: data === undefined ? { code, message } : { code, message, data }, id });
  }

  notify(method: string, params?: unknown): Promise<void> {
    return this.send(
      params === undefined ? { method, emittedAtMs: Date.now() } : { method, params, emittedAtMs: Date.now() },
    );
  }

  /** Ends the pair, reporting `info` to the client as how the server went away. */
  closeWith(info: Partial<TransportCloseInfo>): Promise<void> {
    return this.end.closeWith(info);
  }

  #receive(message: ClientMessage): void {
    this.received.push(message);
    const { id, method } = message;
    if (typeof method === "string" && (typeof id === "number" || typeof id === "string")) {
      const request = { ...message, id, method, params: message.params ?? {} };
      this.requests.push(request);
      const handler = this.#handlers.get(method) ?? this.#handlers.get("*");
      if (handler) void handler(request, this);
    } else if (typeof method === "string") {
      this.notifications.push({ method, params: message.params });
    } else if (id !== undefined) {
      this.replies.push(message as { id: number | string });
    }
    for (const listener of [...this.#listeners]) listener(message);
  }
}

/** A fresh pair: the client's end and the scripted server on the other. */
export function scriptedPair(options: ScriptedPairOptions = {}): {
  clientEnd: ScriptedClientEnd;
  server: ScriptedServer;
} {
  const { framing = "lines", answerInitialize, ...lineOptions } = options;
  if (framing === "messages") {
    const [clientEnd, serverEnd] = createInMemoryTransportPair();
    return { clientEnd, server: new ScriptedServer(serverEnd, "messages", { answerInitialize }) };
  }
  const [byteEnd, serverEnd] = createInMemoryByteStreamPair();
  const clientEnd = Object.assign(createLineTransport(byteEnd, lineOptions), {
    closeWith: (info: Partial<TransportCloseInfo>) => byteEnd.closeWith(info),
  });
  return { clientEnd, server: new ScriptedServer(serverEnd, "lines", { answerInitialize }) };
}

/** A `Codex` started on a fresh scripted server that answers `initialize`. Disposing closes it. */
export async function startScripted(
  configure: (server: ScriptedServer) => void = () => {},
  options: CodexOptions = {},
  pair: Omit<ScriptedPairOptions, "answerInitialize"> = { framing: "messages" },
): Promise<{ codex: Codex; server: ScriptedServer } & AsyncDisposable> {
  const { clientEnd, server } = scriptedPair({ ...pair, answerInitialize: true });
  configure(server);
  const codex = await Codex.start({ ...options, transport: clientEnd });
  return { codex, server, [Symbol.asyncDispose]: () => codex.close() };
}

/** Exposes the protected start path that takes a transport factory, for reconnects. */
class ReconnectableCodex extends Codex {
  static open(first: Transport, reopen: () => Promise<Transport>, options: CodexOptions): Promise<Codex> {
    return this.initializeOver(first, options, [], reopen);
  }
}

/**
 * A `Codex` that reconnects: each connection, the first and every one after it, is a fresh
 * scripted server (answering `initialize`) that `configure` sets up. `servers` lists them in
 * order; `servers[n].closeWith(...)` drops connection `n` as a restarted server would.
 * Disposing closes codex.
 */
export async function startReconnectable(
  configure: (server: ScriptedServer) => void,
  options: CodexOptions = {},
): Promise<{ codex: Codex; servers: ScriptedServer[] } & AsyncDisposable> {
  const servers: ScriptedServer[] = [];
  const open = async (): Promise<Transport> => {
    const { clientEnd, server } = scriptedPair({ framing: "messages", answerInitialize: true });
    servers.push(server);
    configure(server);
    return clientEnd;
  };
  const codex = await ReconnectableCodex.open(await open(), open, options);
  return { codex, servers, [Symbol.asyncDispose]: () => codex.close() };
}

/**
 * An `AppServerClient` on a fresh scripted server, over line framing as on stdio. Nothing is
 * answered by itself: the test plays the handshake if it needs one.
 */
export function connectClient(options: AppServerClientOptions & { maxMessageBytes?: number } = {}): {
  client: AppServerClient;
  server: ScriptedServer;
  clientEnd: ScriptedClientEnd;
} {
  const { clientEnd, server } = scriptedPair({ maxMessageBytes: options.maxMessageBytes, logger: options.logger });
  return { client: new AppServerClient(clientEnd, options), server, clientEnd };
}
