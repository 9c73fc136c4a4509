// Newline-delimited JSON over a byte stream: what the app-server speaks on stdio. Turns any
// `ByteStream` (a child's stdio, an SSH channel, `codex app-server proxy`) into a message-level
// `Transport`.

import { TransportClosedError } from "../errors.js";
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from "./framing.js";
import { createInMemoryPair, type InMemoryEnd } from "./in-memory-pair.js";
import type { OversizedLine } from "./framing.js";
import { normalizeLogger, redactSecretValues } from "./logger.js";
import type { Logger, NormalizedLogger } from "./logger.js";
import type { Transport, TransportCloseInfo, TransportReceiver } from "./transport.js";

/**
 * A duplex byte stream to one app-server.
 *
 * Contract: `start(onData)` is called once (earlier chunks are kept and delivered then); every
 * chunk is delivered before `closed` resolves; `write` calls go out in order and reject once
 * closed; `close()` is idempotent; `closed` resolves (never rejects) once.
 */
export interface ByteStream {
  /** Starts the flow of incoming bytes. */
  start(onData: (chunk: Uint8Array) => void): void;
  /** Sends bytes. Resolves when they are handed to the underlying stream. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the stream. */
  close(reason?: string): Promise<void>;
  /** Resolves when the stream has closed, with how it ended. */
  readonly closed: Promise<TransportCloseInfo>;
}

/** Options of `createLineTransport`. */
export interface LineTransportOptions {
  /** Largest incoming line in bytes; longer ones are dropped (and reported). Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** Receives the lines that are not JSON. */
  logger?: Logger | undefined;
}

/**
 * A message-level `Transport` over a byte stream that carries one JSON text per line, as the
 * app-server does on stdio. Lines end at `\n` (`\r\n` and a leading BOM are tolerated); lines
 * that are not JSON before the first JSON message (launcher banners) are logged at debug level,
 * later ones as warnings; neither is fatal.
 */
export function createLineTransport(stream: ByteStream, options: LineTransportOptions = {}): Transport {
  return new LineTransport(stream, options);
}

/** @internal The class behind `createLineTransport`; the stdio transport extends it. */
export class LineTransport implements Transport {
  readonly closed: Promise<TransportCloseInfo>;
  protected readonly stream: ByteStream;
  private readonly logger: NormalizedLogger;
  private readonly decoder: LineDecoder;
  private readonly encoder = new TextEncoder();
  private receiver: TransportReceiver | undefined;
  private sawMessage = false;

  constructor(stream: ByteStream, options: LineTransportOptions = {}) {
    this.stream = stream;
    this.logger = normalizeLogger(options.logger);
    this.decoder = new LineDecoder(
      { line: (text) => this.line(text), oversized: (info) => this.oversized(info) },
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
    // The final line may lack its "\n": deliver it before anyone learns that the stream closed.
    this.closed = stream.closed.then((info) => {
      this.endOfInput();
      return info;
    });
  }

  start(receiver: TransportReceiver): void {
    if (this.receiver !== undefined) throw new Error("Transport.start() was called twice.");
    this.receiver = receiver;
    this.stream.start((chunk) => this.decoder.push(chunk));
  }

  send(message: object): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.stream.write(this.encoder.encode(`${text}\n`)).catch((error: unknown) => {
      throw TransportClosedError.isInstance(error)
        ? error
        : new TransportClosedError({ reason: "writing to the app-server failed", cause: error });
    });
  }

  close(reason?: string): Promise<void> {
    return this.stream.close(reason);
  }

  private endOfInput(): void {
    try {
      this.decoder.end();
    } catch (error) {
      this.logger.error(
        `Reading the final message failed: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  }

  private line(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      const shown = redactSecretValues(text.length > 200 ? `${text.slice(0, 200)}…` : text);
      // Launchers and wrappers print banners before the server speaks; only later is it a fault.
      if (!this.sawMessage)
        this.logger.debug(`Ignoring a line before the first JSON-RPC message (it is not JSON): ${shown}`);
      else this.logger.warn(`Ignoring a line from the app-server that is not JSON: ${shown}`);
      return;
    }
    if (typeof message === "object" && message !== null) this.sawMessage = true;
    this.receiver?.message(message);
  }

  private oversized(info: OversizedLine): void {
    const match = /^\s*\{\s*"id"\s*:\s*(\d+|"[^"]*")\s*,\s*"(?:result|error)"/.exec(info.prefix);
    const raw = match?.[1];
    const requestId = raw === undefined ? undefined : raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
    this.receiver?.dropped?.({ bytes: info.bytes, maxBytes: info.maxBytes, prefix: info.prefix, requestId });
  }
}

/** One end of an in-memory byte-stream pair. */
export interface InMemoryByteStream extends ByteStream {
  /** Closes both ends, reporting `info` as how the pair ended. */
  closeWith(info: Partial<TransportCloseInfo>): Promise<void>;
}

/**
 * Two connected in-memory byte streams: bytes written to one arrive at the other,
 * asynchronously and in order. For testing line framing (wrap one end in `createLineTransport`).
 */
export function createInMemoryByteStreamPair(): [InMemoryByteStream, InMemoryByteStream] {
  const [a, b] = createInMemoryPair<Uint8Array>({
    noun: "stream",
    interfaceName: "ByteStream",
    verb: "write",
    copy: (bytes) => Uint8Array.prototype.slice.call(bytes),
  });
  return [byteStreamEnd(a), byteStreamEnd(b)];
}

function byteStreamEnd(end: InMemoryEnd<Uint8Array>): InMemoryByteStream {
  return {
    closed: end.closed,
    start: (onData) => end.start(onData),
    write: (bytes) => end.post(bytes),
    close: (reason) => end.close(reason),
    closeWith: (info) => end.closeWith(info),
  };
}
