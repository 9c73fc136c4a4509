// The last lines a process wrote to stderr, bounded by line count and by bytes.

/** Keeps the most recent lines, dropping the oldest beyond `maxLines` lines or `maxChars` characters. */
export class StderrTail {
  private readonly maxLines: number;
  private readonly maxChars: number;
  private readonly lines: string[] = [];
  private chars = 0;
  private dropped = 0;

  constructor(maxLines = 100, maxChars = 16 * 1024) {
    this.maxLines = Math.max(1, maxLines);
    this.maxChars = Math.max(1, maxChars);
  }

  /** Adds one line (without its terminator). A line longer than the whole budget keeps its end. */
  add(line: string): void {
    const kept = line.length > this.maxChars ? `…${line.slice(line.length - this.maxChars + 1)}` : line;
    this.lines.push(kept);
    this.chars += kept.length;
    while (this.lines.length > this.maxLines || (this.chars > this.maxChars && this.lines.length > 1)) {
      this.chars -= this.lines.shift()!.length;
      this.dropped++;
    }
  }

  /** The kept lines joined by "\n", preceded by a note when older lines were dropped. */
  toString(): string {
    if (this.lines.length === 0) return "";
    const body = this.lines.join("\n");
    return this.dropped > 0 ? `[${this.dropped} earlier line(s) not kept]\n${body}` : body;
  }
}
