// A fake OpenAI Responses API server on loopback: codex POSTs `/v1/responses` and gets the next
// scripted reply (or a sensible default) streamed back as server-sent events.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import {
  codexMetadataOf,
  endsWithToolOutput,
  promptOf,
  toolOutputsOf,
  type RecordedRequest,
} from "./recorded-request.js";
import { planResponse, type ResponsePlan } from "./response-plan.js";
import { reply, type FakeReply } from "./replies.js";

/** A scripted reply, or a function that picks one from the request it answers. */
export type ReplyScript = FakeReply | ((request: RecordedRequest) => FakeReply);

/**
 * Which requests a routed reply may answer: a predicate, or fields that must all match
 * (`prompt` as exact text or a RegExp).
 */
export type RequestMatcher =
  | ((request: RecordedRequest) => boolean)
  | { threadId?: string; turnId?: string; prompt?: string | RegExp };

/** Options of {@link startFakeModel}. */
export interface FakeModelOptions {
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Answers requests when the queue is empty. Default: {@link defaultReply}. */
  defaultReply?: (request: RecordedRequest) => FakeReply;
  /** When set, requests without `Authorization: Bearer <apiKey>` get HTTP 401. */
  apiKey?: string;
  /** Largest request body accepted, in bytes (default 16 MiB); larger ones get HTTP 413. */
  maxRequestBytes?: number;
  /** Longest a hanging stream is held open before the fake destroys it (default 30 s). */
  maxHangMs?: number;
  /** Longest any one streamed response may take, delays included (default 60 s); then the socket is destroyed. */
  maxStreamMs?: number;
  /**
   * Most requests kept in {@link FakeModel.requests} (default 1000; older ones are dropped). Codex
   * sends ~40 KB per request.
   */
  maxLoggedRequests?: number;
}

/** Options of {@link FakeModel.waitForRequests}. */
export interface WaitOptions {
  /** Reject after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A running fake model. Close it with `close()` or `await using`. */
export interface FakeModel extends AsyncDisposable {
  /** The `base_url` for codex's provider config: `http://127.0.0.1:<port>/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Scripted replies not yet used. */
  readonly pending: number;
  /** Responses still open (streaming, slow or hanging); 0 once codex has hung up on a hang. */
  readonly activeResponses: number;
  /** Appends replies; each answers one future request, in order. */
  enqueue(...replies: ReplyScript[]): this;
  /**
   * Appends replies reserved for requests that match, e.g. `{ threadId }` when several threads
   * run at once. Routed replies are used before the plain queue.
   */
  enqueueFor(match: RequestMatcher, ...replies: ReplyScript[]): this;
  /** Drops every scripted reply not yet used (routed ones too). */
  clearQueue(): void;
  /** Resolves with the request log once it holds at least `count` requests. */
  waitForRequests(count: number, options?: WaitOptions): Promise<readonly RecordedRequest[]>;
  /** Stops listening and destroys every open connection, hanging streams included. Idempotent. */
  close(): Promise<void>;
}

/**
 * The reply to an unscripted request: after a tool result, `"Done."`; otherwise a short echo of
 * the prompt, streamed in word-sized deltas. A demo that forgets to script a turn still completes.
 */
export function defaultReply(request: RecordedRequest): FakeReply {
  if (endsWithToolOutput(request.body)) return reply.text("Done.");
  const prompt = (request.prompt ?? "").replace(/\s+/g, " ").trim();
  if (prompt === "") return reply.text("Hello from the fake model.");
  const shown = prompt.length > 200 ? `${prompt.slice(0, 200)}…` : prompt;
  return reply.text(`You said: ${shown}`);
}

const DEFAULTS = {
  maxRequestBytes: 16 * 1024 * 1024,
  maxHangMs: 30_000,
  maxStreamMs: 60_000,
  maxLoggedRequests: 1000,
};

class FakeModelServer implements FakeModel {
  readonly #server: Server;
  readonly #options: Required<Omit<FakeModelOptions, "port" | "apiKey">> & { apiKey: string | undefined };
  readonly #queue: ReplyScript[] = [];
  readonly #routes: Array<{ matches: (request: RecordedRequest) => boolean; replies: ReplyScript[] }> = [];
  readonly #requests: RecordedRequest[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #waiters = new Set<{ count: number; resolve: () => void; reject: (error: Error) => void }>();
  #received = 0;
  #active = 0;
  #responseCounter = 0;
  #itemCounter = 0;
  #closing: Promise<void> | undefined;
  port = 0;

  constructor(options: FakeModelOptions) {
    this.#options = {
      defaultReply: options.defaultReply ?? defaultReply,
      apiKey: options.apiKey,
      maxRequestBytes: options.maxRequestBytes ?? DEFAULTS.maxRequestBytes,
      maxHangMs: options.maxHangMs ?? DEFAULTS.maxHangMs,
      maxStreamMs: options.maxStreamMs ?? DEFAULTS.maxStreamMs,
      maxLoggedRequests: options.maxLoggedRequests ?? DEFAULTS.maxLoggedRequests,
    };
    this.#server = createServer((request, response) => this.#handle(request, response));
    // Keep-alive connections would keep close() waiting; they are tracked and destroyed instead.
    this.#server.on("connection", (socket) => {
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
    });
    // A client that hangs up mid-request must not crash the test process.
    this.#server.on("clientError", (_error, socket) => socket.destroy());
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    // A listening server's later errors (e.g. EMFILE on accept) must not crash the test process;
    // the affected request fails on codex's side, which the test then sees.
    this.#server.on("error", () => {});
    this.port = (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  get activeResponses(): number {
    return this.#active;
  }

  get pending(): number {
    return this.#routes.reduce((sum, route) => sum + route.replies.length, this.#queue.length);
  }

  enqueue(...replies: ReplyScript[]): this {
    if (this.#closing) throw new Error("The fake model is closed; enqueue replies before closing it.");
    this.#queue.push(...replies);
    return this;
  }

  enqueueFor(match: RequestMatcher, ...replies: ReplyScript[]): this {
    if (this.#closing) throw new Error("The fake model is closed; enqueue replies before closing it.");
    this.#routes.push({ matches: toPredicate(match), replies: [...replies] });
    return this;
  }

  clearQueue(): void {
    this.#queue.length = 0;
    this.#routes.length = 0;
  }

  #nextScript(record: RecordedRequest): ReplyScript | undefined {
    for (const [index, route] of this.#routes.entries()) {
      if (!route.matches(record)) continue;
      const script = route.replies.shift();
      if (route.replies.length === 0) this.#routes.splice(index, 1);
      return script;
    }
    return this.#queue.shift();
  }

  waitForRequests(count: number, options: WaitOptions = {}): Promise<readonly RecordedRequest[]> {
    if (this.#received >= count) return Promise.resolve(this.#requests);
    if (this.#closing) return Promise.reject(new Error("The fake model is closed."));
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        this.#waiters.delete(waiter);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const waiter = {
        count,
        resolve: () => {
          cleanup();
          resolve(this.#requests);
        },
        reject: (error: Error) => {
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.reject(
            new Error(
              `Timed out after ${timeoutMs} ms waiting for ${count} requests to the fake model (got ${this.#received}).`,
            ),
          ),
        timeoutMs,
      );
      this.#timers.add(timer);
      const onAbort = () =>
        waiter.reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error("Aborted."));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      for (const waiter of [...this.#waiters]) waiter.reject(new Error("The fake model was closed."));
      this.#server.close(() => resolve());
      // Open streams (a hang in particular) and idle keep-alive connections would keep close() waiting forever.
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #setTimer(callback: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      callback();
    }, ms);
    this.#timers.add(timer);
    return timer;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > this.#options.maxRequestBytes) {
        tooLarge = true;
        return;
      }
      chunks.push(chunk);
    });
    request.on("error", () => response.destroy());
    request.on("end", () => {
      const record = this.#record(request, tooLarge ? undefined : Buffer.concat(chunks));
      if (tooLarge) {
        record.answeredBy = "rejected";
        this.#send(
          response,
          planResponse(
            reply.httpError(413, { message: `Request body over ${this.#options.maxRequestBytes} bytes.` }),
            this.#ids(),
          ),
        );
        return;
      }
      this.#send(response, this.#choose(record));
    });
  }

  #record(request: IncomingMessage, raw: Buffer | undefined): RecordedRequest {
    let body: unknown;
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(
          decode(raw, request.headers["content-encoding"], this.#options.maxRequestBytes).toString("utf8"),
        );
      } catch {
        body = undefined;
      }
    }
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const record: RecordedRequest = {
      index: this.#received,
      method: request.method ?? "GET",
      path: url.pathname,
      headers: { ...request.headers },
      body,
      model:
        typeof (body as { model?: unknown } | undefined)?.model === "string"
          ? (body as { model: string }).model
          : undefined,
      prompt: promptOf(body),
      ...codexMetadataOf(request.headers, body),
      toolOutputs: toolOutputsOf(body),
      answeredBy: "scripted",
      receivedAt: Date.now(),
    };
    this.#received += 1;
    this.#requests.push(record);
    if (this.#requests.length > this.#options.maxLoggedRequests) this.#requests.shift();
    for (const waiter of [...this.#waiters]) if (this.#received >= waiter.count) waiter.resolve();
    return record;
  }

  #ids() {
    this.#responseCounter += 1;
    return {
      responseId: `resp_fake_${this.#responseCounter}`,
      nextItemId: () => {
        this.#itemCounter += 1;
        return `item_fake_${this.#itemCounter}`;
      },
    };
  }

  #choose(record: RecordedRequest): ResponsePlan {
    if (record.method !== "POST" || !record.path.endsWith("/responses")) {
      record.answeredBy = "rejected";
      return planResponse(
        reply.httpError(404, {
          message: `The fake model only serves POST /v1/responses, not ${record.method} ${record.path}.`,
        }),
        this.#ids(),
      );
    }
    if (this.#options.apiKey !== undefined && record.headers["authorization"] !== `Bearer ${this.#options.apiKey}`) {
      record.answeredBy = "rejected";
      return planResponse(reply.httpError(401), this.#ids());
    }
    let script = this.#nextScript(record);
    if (script === undefined) {
      record.answeredBy = "default";
      script = this.#options.defaultReply;
    }
    let chosen: FakeReply;
    try {
      chosen = typeof script === "function" ? script(record) : script;
    } catch (error) {
      // A throwing reply function is a bug in the test; answer 500 so codex fails the turn visibly.
      const message = error instanceof Error ? error.message : String(error);
      return planResponse(
        reply.httpError(500, { message: `The fake model's reply function threw: ${message}` }),
        this.#ids(),
      );
    }
    return planResponse(chosen, this.#ids());
  }

  #send(response: ServerResponse, plan: ResponsePlan): void {
    const socket = response.socket;
    response.writeHead(plan.status, plan.headers);
    // Headers go out now: a hanging stream must look started to codex.
    response.flushHeaders();
    const delayMs = Math.min(Math.max(plan.delayMs, 0), this.#options.maxStreamMs);
    const deadline = this.#setTimer(() => socket?.destroy(), this.#options.maxStreamMs);
    this.#active += 1;
    response.on("close", () => {
      this.#active -= 1;
      clearTimeout(deadline);
      this.#timers.delete(deadline);
    });
    let index = 0;
    const finish = () => {
      if (plan.ending === "end") {
        response.end();
      } else if (plan.ending === "destroy") {
        // Destroy only once the written events reached the socket, so codex sees them before the drop.
        response.write("", () => socket?.destroy());
      } else {
        const hangMs = Math.min(plan.hangMs ?? this.#options.maxHangMs, this.#options.maxHangMs);
        const hangTimer = this.#setTimer(() => socket?.destroy(), hangMs);
        response.on("close", () => {
          clearTimeout(hangTimer);
          this.#timers.delete(hangTimer);
        });
      }
    };
    const writeNext = () => {
      if (response.destroyed) return;
      if (delayMs === 0) {
        for (const chunk of plan.chunks) response.write(chunk);
        return finish();
      }
      const chunk = plan.chunks[index];
      if (chunk === undefined) return finish();
      index += 1;
      response.write(chunk);
      this.#setTimer(writeNext, index < plan.chunks.length ? delayMs : 0);
    };
    writeNext();
  }
}

function toPredicate(match: RequestMatcher): (request: RecordedRequest) => boolean {
  if (typeof match === "function") return match;
  return (request) =>
    (match.threadId === undefined || request.threadId === match.threadId) &&
    (match.turnId === undefined || request.turnId === match.turnId) &&
    (match.prompt === undefined ||
      (typeof match.prompt === "string"
        ? request.prompt === match.prompt
        : request.prompt !== undefined && match.prompt.test(request.prompt)));
}

/** Undoes a `content-encoding`, producing at most `maxBytes` (a small compressed body may inflate enormously). */
function decode(raw: Buffer, encoding: string | string[] | undefined, maxBytes: number): Buffer {
  const options = { maxOutputLength: maxBytes };
  switch (Array.isArray(encoding) ? encoding[0] : encoding) {
    case "gzip":
      return gunzipSync(raw, options);
    case "deflate":
      return inflateSync(raw, options);
    case "br":
      return brotliDecompressSync(raw, options);
    default:
      return raw;
  }
}

/**
 * Starts a fake OpenAI Responses API server on 127.0.0.1 for codex to talk to.
 *
 * ```ts
 * await using fake = await startFakeModel();
 * fake.enqueue(reply.text("Hello!"));
 * // point codex at fake.url (see createCodexHome), run a turn, then:
 * expect(fake.requests[0]?.prompt).toBe("Say hello");
 * ```
 */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModel> {
  const server = new FakeModelServer(options);
  await server.listen(options.port ?? 0);
  return server;
}
