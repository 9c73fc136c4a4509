// Newline-delimited JSON framing: bytes in, one UTF-8 string per line out.
//
// Lines are split on the byte 0x0A only. Splitting decoded text instead (node:readline) would
// also break on U+2028/U+2029, which JSON strings may contain raw. Each line is decoded once,
// after its bytes are complete, so a multi-byte character split across chunks decodes right.

/** Default cap on one incoming message: 64 MiB. `thread/read` with all turns can be large. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = 0xfeff;
/** Bytes of an oversized line kept to describe it (enough for `{"id":123,"result":` and more). */
const OVERSIZE_PREFIX_BYTES = 256;

/** An incoming line longer than the limit; the line itself is dropped. */
export interface OversizedLine {
  /** Bytes seen when the limit was crossed (the line may be longer still). */
  bytes: number;
  /** The limit. */
  maxBytes: number;
  /** The first bytes of the line, decoded (may end in a broken character). */
  prefix: string;
}

/** Receives the output of a `LineDecoder`. */
export interface LineSink {
  /** One complete line without its terminator (`\n` or `\r\n`) and without a leading BOM. */
  line(text: string): void;
  /** A line over the size limit was dropped. */
  oversized(info: OversizedLine): void;
}

/**
 * Splits a byte stream into lines. Feed chunks with `push`, then `end()` at EOF (a final line
 * without `\n` is still delivered). Empty lines are skipped.
 */
export class LineDecoder {
  private readonly maxBytes: number;
  private readonly sink: LineSink;
  /** Bytes of the current, unterminated line, across chunks. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while skipping the rest of an oversized line. */
  private discarding = false;

  constructor(sink: LineSink, maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES) {
    if (!(maxBytes > 0)) throw new RangeError(`maxMessageBytes must be a positive number, got ${maxBytes}.`);
    this.sink = sink;
    this.maxBytes = maxBytes;
  }

  /** Consumes one chunk. */
  push(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const length = buffer.length;
    let start = 0;
    while (start < length) {
      const newline = buffer.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.keep(buffer, start, length);
        return;
      }
      if (this.discarding) this.discarding = false;
      else if (this.pendingBytes > 0) this.finishPending(buffer, start, newline);
      else this.emit(buffer, start, newline);
      start = newline + 1;
    }
  }

  /** Flushes a final line that had no terminating `\n`. */
  end(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingBytes > 0) this.finishPending(undefined, 0, 0);
  }

  private emit(buffer: Buffer, start: number, end: number): void {
    if (end - start > this.maxBytes) {
      this.reportOversized(buffer.subarray(start, end), end - start);
      return;
    }
    if (end > start && buffer[end - 1] === CARRIAGE_RETURN) end--;
    if (end === start) return;
    let text = buffer.toString("utf8", start, end);
    // A BOM before the first line is written by some launchers on Windows; strip it wherever it
    // starts a line, which costs one comparison.
    if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
    if (text.length > 0) this.sink.line(text);
  }

  private finishPending(buffer: Buffer | undefined, start: number, end: number): void {
    const parts = this.pending;
    if (buffer !== undefined && end > start) parts.push(buffer.subarray(start, end));
    const total = this.pendingBytes + (end - start);
    this.pending = [];
    this.pendingBytes = 0;
    const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    this.emit(whole, 0, whole.length);
  }

  private keep(buffer: Buffer, start: number, end: number): void {
    if (this.discarding) return;
    const size = end - start;
    if (this.pendingBytes + size > this.maxBytes) {
      const head = this.pending.length > 0 ? this.pending[0]! : buffer.subarray(start, end);
      this.reportOversized(head, this.pendingBytes + size);
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = true;
      return;
    }
    // Copy the tail: the chunk may be large (holding it would pin it) or reused by its producer.
    this.pending.push(Buffer.from(buffer.subarray(start, end)));
    this.pendingBytes += size;
  }

  private reportOversized(head: Buffer, bytes: number): void {
    const prefix = head.toString("utf8", 0, Math.min(head.length, OVERSIZE_PREFIX_BYTES));
    this.sink.oversized({ bytes, maxBytes: this.maxBytes, prefix });
  }
}
