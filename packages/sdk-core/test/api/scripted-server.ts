// An app-server scripted by the test, on the far end of an in-memory transport pair: `Codex`
// talks to it exactly as to the real one, and the test decides what is sent and when (for
// orderings the real server produces only sometimes, like a turn's events before its response).
import { Codex, GENERATED_FOR_CODEX_VERSION, type CodexOptions } from "../../src/index.js";
import { createInMemoryTransportPair, type InMemoryTransport } from "../../src/rpc.js";

/** A request the client sent. */
export interface ReceivedRequest {
  id: number;
  method: string;
  params: Record<string, unknown>;
}

type Handler = (request: ReceivedRequest, server: ScriptedServer) => void | Promise<void>;

/** The server end: answers `initialize` by itself; everything else goes to `on(method)` handlers. */
export class ScriptedServer {
  readonly requests: ReceivedRequest[] = [];
  readonly notifications: { method: string; params?: unknown }[] = [];
  readonly replies: { id: number | string; result?: unknown; error?: unknown }[] = [];
  userAgent = `codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} (Scripted; test) scripted`;
  readonly #handlers = new Map<string, Handler>();
  readonly #waiters = new Set<() => void>();

  constructor(readonly end: InMemoryTransport) {
    end.start({ message: (message) => this.#receive(message as Record<string, unknown>) });
  }

  /** Handles every later request of `method`. */
  on(method: string, handler: Handler): this {
    this.#handlers.set(method, handler);
    return this;
  }

  send(message: object): Promise<void> {
    return this.end.send(message);
  }

  reply(id: number, result: unknown): Promise<void> {
    return this.send({ id, result });
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.send({ method, params, emittedAtMs: Date.now() });
  }

  /** Resolves once `predicate` holds (checked after every message from the client). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.#waiters.add(resolve));
  }

  /** Resolves with the first request of `method` (waiting for it if needed). */
  async request(method: string, nth = 0): Promise<ReceivedRequest> {
    await this.until(() => this.requests.filter((r) => r.method === method).length > nth);
    return this.requests.filter((r) => r.method === method)[nth]!;
  }

  #receive(message: Record<string, unknown>): void {
    const method = message["method"];
    const id = message["id"];
    if (typeof method === "string" && typeof id === "number") {
      const request = { id, method, params: (message["params"] ?? {}) as Record<string, unknown> };
      this.requests.push(request);
      if (method === "initialize") {
        void this.reply(id, {
          userAgent: this.userAgent,
          codexHome: "/scripted-home",
          platformFamily: "unix",
          platformOs: "linux",
        });
      } else {
        const handler = this.#handlers.get(method);
        if (handler) void handler(request, this);
      }
    } else if (typeof method === "string") {
      this.notifications.push({ method, params: message["params"] });
    } else if (id !== undefined) {
      this.replies.push(message as { id: number | string });
    }
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** A `Codex` connected to a fresh scripted server. */
export async function startScripted(
  configure: (server: ScriptedServer) => void = () => {},
  options: CodexOptions = {},
): Promise<{ codex: Codex; server: ScriptedServer } & AsyncDisposable> {
  const [clientEnd, serverEnd] = createInMemoryTransportPair();
  const server = new ScriptedServer(serverEnd);
  configure(server);
  const codex = await Codex.start({ ...options, transport: clientEnd });
  return { codex, server, [Symbol.asyncDispose]: () => codex.close() };
}

const THREAD = "thread-1";

/** Notification params of a turn's lifecycle, shaped like the real server's. */
export const turnEvents = {
  threadId: THREAD,
  started: (turnId: string, threadId = THREAD) => ({
    method: "turn/started",
    params: {
      threadId,
      turn: {
        id: turnId,
        items: [],
        status: "inProgress",
        error: null,
        startedAt: 1,
        completedAt: null,
        durationMs: null,
      },
    },
  }),
  delta: (turnId: string, delta: string, threadId = THREAD) => ({
    method: "item/agentMessage/delta",
    params: { threadId, turnId, itemId: "msg", delta },
  }),
  agentMessage: (turnId: string, text: string, phase: string | null = null, threadId = THREAD) => ({
    method: "item/completed",
    params: { threadId, turnId, completedAtMs: 1, item: { type: "agentMessage", id: `msg-${text}`, text, phase } },
  }),
  usage: (turnId: string, total: number, threadId = THREAD) => ({
    method: "thread/tokenUsage/updated",
    params: {
      threadId,
      turnId,
      tokenUsage: {
        total: {
          totalTokens: total,
          inputTokens: total,
          cachedInputTokens: 0,
          outputTokens: 0,
          reasoningOutputTokens: 0,
        },
        last: {
          totalTokens: total,
          inputTokens: total,
          cachedInputTokens: 0,
          outputTokens: 0,
          reasoningOutputTokens: 0,
        },
        modelContextWindow: null,
      },
    },
  }),
  status: (type: "active" | "idle", threadId = THREAD) => ({
    method: "thread/status/changed",
    params: { threadId, status: type === "active" ? { type, activeFlags: [] } : { type } },
  }),
  completed: (turnId: string, status = "completed", error: unknown = null, threadId = THREAD) => ({
    method: "turn/completed",
    params: {
      threadId,
      turn: { id: turnId, items: [], status, error, startedAt: 1, completedAt: 2, durationMs: 1000 },
    },
  }),
};
