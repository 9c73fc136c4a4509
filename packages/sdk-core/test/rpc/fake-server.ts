// A scripted app-server on the far end of an in-memory transport pair, for client unit tests.
import { AppServerClient } from "../../src/rpc/client.js";
import type { AppServerClientOptions } from "../../src/rpc/client.js";
import { LineDecoder } from "../../src/rpc/framing.js";
import { createInMemoryByteStreamPair, createLineTransport } from "../../src/rpc/line-transport.js";
import type { InMemoryByteStream } from "../../src/rpc/line-transport.js";
import type { Transport, TransportCloseInfo } from "../../src/rpc/transport.js";

/** A message the client sent, parsed. */
export interface SentMessage {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  [key: string]: unknown;
}

/** The server side: records what the client sends, and sends whatever a test wants. */
export class FakeServer {
  readonly received: SentMessage[] = [];
  readonly lines: string[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly encoder = new TextEncoder();

  constructor(readonly end: InMemoryByteStream) {
    const decoder = new LineDecoder({
      line: (text) => {
        this.lines.push(text);
        this.received.push(JSON.parse(text) as SentMessage);
        this.waiters = this.waiters.filter((waiter) => {
          if (this.received.length < waiter.count) return true;
          waiter.resolve();
          return false;
        });
      },
      oversized: () => {
        throw new Error("client sent an oversized line");
      },
    });
    end.start((chunk) => decoder.push(chunk));
  }

  /** Resolves once the client has sent at least `count` messages in total. */
  waitForMessages(count: number): Promise<SentMessage[]> {
    if (this.received.length >= count) return Promise.resolve(this.received.slice(0, count));
    return new Promise((resolve) =>
      this.waiters.push({ count, resolve: () => resolve(this.received.slice(0, count)) }),
    );
  }

  /** Waits for the `index`-th message (0-based). */
  async message(index: number): Promise<SentMessage> {
    const all = await this.waitForMessages(index + 1);
    return all[index]!;
  }

  /** Sends raw text or bytes as they are (no newline added). */
  sendRaw(data: string | Uint8Array): Promise<void> {
    return this.end.write(typeof data === "string" ? this.encoder.encode(data) : data);
  }

  /** Sends one JSON message followed by `\n`. */
  send(message: object): Promise<void> {
    return this.sendRaw(`${JSON.stringify(message)}\n`);
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
}

/** The client's end: line framing over an in-memory byte stream, closable as a crashed server would be. */
export type FakeClientEnd = Transport & { closeWith(info: Partial<TransportCloseInfo>): Promise<void> };

/** A client connected to a fresh fake server, over line framing (as on stdio). */
export function connect(options: AppServerClientOptions & { maxMessageBytes?: number } = {}): {
  client: AppServerClient;
  server: FakeServer;
  clientEnd: FakeClientEnd;
} {
  const [byteEnd, serverEnd] = createInMemoryByteStreamPair();
  const clientEnd = Object.assign(
    createLineTransport(byteEnd, { maxMessageBytes: options.maxMessageBytes, logger: options.logger }),
    {
      closeWith: (info: Partial<TransportCloseInfo>) => byteEnd.closeWith(info),
    },
  );
  const server = new FakeServer(serverEnd);
  const client = new AppServerClient(clientEnd, options);
  return { client, server, clientEnd };
}

/** A logger that records every call. */
export function recordingLogger(): {
  logger: Record<"debug" | "info" | "warn" | "error", (message: string) => void>;
  entries: { level: string; message: string }[];
} {
  const entries: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => {
    entries.push({ level, message });
  };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, entries };
}

/** Lets pending I/O callbacks (setImmediate deliveries) and microtasks run. */
export async function flush(rounds = 3): Promise<void> {
  for (let index = 0; index < rounds; index++) await new Promise((resolve) => setImmediate(resolve));
}
