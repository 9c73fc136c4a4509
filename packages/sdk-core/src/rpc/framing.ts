// Newline-delimited JSON framing: bytes in, one UTF-8 string per line out.
//
// Lines end at the byte 0x0A only (node:readline would also break on U+2028/U+2029, which JSON
// strings may contain raw). Bytes are decoded only up to a newline byte, so a multi-byte
// character split across chunks decodes right.

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
    // Finish the line left over from earlier chunks (or skip the rest of an oversized one).
    if (this.discarding || this.pendingBytes > 0) {
      const newline = buffer.indexOf(NEWLINE);
      if (newline === -1) {
        this.keep(buffer, 0, length);
        return;
      }
      if (this.discarding) this.discarding = false;
      else this.finishPending(buffer, newline);
      start = newline + 1;
    }
    // Decode all complete lines of the chunk with one call, then split the text: far cheaper
    // than decoding line by line. Cutting at the last newline byte keeps a multi-byte
    // character that straddles two chunks whole (0x0A never occurs inside a UTF-8 sequence).
    const last = buffer.lastIndexOf(NEWLINE);
    if (last >= start) {
      if (last > start) this.emitLines(buffer.toString("utf8", start, last));
      start = last + 1;
    }
    if (start < length) this.keep(buffer, start, length);
  }

  /** Flushes a final line that had no terminating `\n`. */
  end(): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingBytes > 0) this.finishPending(undefined, 0);
  }

  /** Emits each `\n`-separated line of `text`, which holds complete lines only. */
  private emitLines(text: string): void {
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      const end = newline === -1 ? text.length : newline;
      if (end > start) this.emitLine(text, start, end);
      if (newline === -1) return;
      start = newline + 1;
    }
  }

  private emitLine(text: string, start: number, end: number): void {
    // The limit applies to the raw line, "\r" and BOM included, as on the cross-chunk path.
    // One UTF-16 unit is at most 3 UTF-8 bytes: only long lines need their bytes counted.
    if (end - start > this.maxBytes / 3) {
      const raw = text.slice(start, end);
      const bytes = Buffer.byteLength(raw, "utf8");
      if (bytes > this.maxBytes) {
        this.sink.oversized({ bytes, maxBytes: this.maxBytes, prefix: raw.slice(0, OVERSIZE_PREFIX_BYTES) });
        return;
      }
    }
    if (text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
    // A BOM before the first line is written by some launchers on Windows; strip it wherever it
    // starts a line, which costs one comparison.
    if (text.charCodeAt(start) === BYTE_ORDER_MARK) start++;
    if (end <= start) return;
    this.sink.line(start === 0 && end === text.length ? text : text.slice(start, end));
  }

  /** Emits the pending bytes plus `buffer[0, end)` as one line. */
  private finishPending(buffer: Buffer | undefined, end: number): void {
    const parts = this.pending;
    if (buffer !== undefined && end > 0) parts.push(buffer.subarray(0, end));
    const total = this.pendingBytes + end;
    this.pending = [];
    this.pendingBytes = 0;
    if (total > this.maxBytes) {
      this.reportOversized(parts[0]!, total);
      return;
    }
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, total)).toString("utf8");
    if (text.length > 0) this.emitLine(text, 0, text.length);
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
