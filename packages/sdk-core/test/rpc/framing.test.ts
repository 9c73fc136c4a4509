import { describe, expect, it } from "vitest";
import { LineDecoder } from "../../src/rpc/framing.js";
import type { OversizedLine } from "../../src/rpc/framing.js";

function decoder(maxBytes?: number): { decoder: LineDecoder; lines: string[]; oversized: OversizedLine[] } {
  const lines: string[] = [];
  const oversized: OversizedLine[] = [];
  const instance = new LineDecoder(
    { line: (text) => lines.push(text), oversized: (info) => oversized.push(info) },
    maxBytes,
  );
  return { decoder: instance, lines, oversized };
}

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

describe("LineDecoder", () => {
  it("splits several lines in one chunk", () => {
    const { decoder: d, lines } = decoder();
    d.push(bytes('{"a":1}\n{"b":2}\n{"c":3}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("joins a line split across chunks, byte by byte, with multi-byte characters cut in half", () => {
    const { decoder: d, lines } = decoder();
    const text = '{"t":"héllo → 世界 🎉"}\n{"u":2}\n';
    const all = bytes(text);
    for (let index = 0; index < all.length; index++) d.push(all.subarray(index, index + 1));
    expect(lines).toEqual(['{"t":"héllo → 世界 🎉"}', '{"u":2}']);
  });

  it("accepts Uint8Array chunks that are views into a larger buffer", () => {
    const { decoder: d, lines } = decoder();
    const backing = new Uint8Array(bytes('xx{"a":1}\n{"b"'));
    d.push(new Uint8Array(backing.buffer, 2, backing.length - 2));
    d.push(new Uint8Array(bytes(":2}\n")));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("strips CRLF line endings, also when \\r and \\n arrive in different chunks", () => {
    const { decoder: d, lines } = decoder();
    d.push(bytes('{"a":1}\r\n{"b":2}\r'));
    d.push(bytes('\n{"c":"x\\ry"}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":"x\\ry"}']);
  });

  it("keeps a raw carriage return in the middle of a line", () => {
    const { decoder: d, lines } = decoder();
    d.push(bytes("a\rb\n"));
    expect(lines).toEqual(["a\rb"]);
  });

  it("strips a BOM at the start of the stream, even when it is split across chunks", () => {
    const whole = decoder();
    whole.decoder.push(bytes('\uFEFF{"a":1}\n'));
    expect(whole.lines).toEqual(['{"a":1}']);

    const split = decoder();
    const all = bytes('\uFEFF{"a":1}\n{"b":2}\n');
    split.decoder.push(all.subarray(0, 1));
    split.decoder.push(all.subarray(1, 2));
    split.decoder.push(all.subarray(2));
    expect(split.lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("does not split on U+2028 / U+2029 inside strings", () => {
    const { decoder: d, lines } = decoder();
    const line = JSON.stringify({ text: "one\u2028two\u2029three" });
    expect(line).toContain("\u2028");
    d.push(bytes(`${line}\n`));
    expect(lines).toEqual([line]);
    expect(JSON.parse(lines[0]!)).toEqual({ text: "one\u2028two\u2029three" });
  });

  it("skips empty lines", () => {
    const { decoder: d, lines } = decoder();
    d.push(bytes('\n\r\n{"a":1}\n\n'));
    expect(lines).toEqual(['{"a":1}']);
  });

  it("delivers a final line without newline at end()", () => {
    const { decoder: d, lines } = decoder();
    d.push(bytes('{"a":1}\n{"b":'));
    expect(lines).toEqual(['{"a":1}']);
    d.push(bytes("2}"));
    d.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it("accepts a line of exactly maxBytes and drops a longer one in a single chunk, then recovers", () => {
    const { decoder: d, lines, oversized } = decoder(10);
    d.push(bytes("0123456789\n"));
    d.push(bytes('{"id":1,"result":"too long"}\nok\n'));
    expect(lines).toEqual(["0123456789", "ok"]);
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.maxBytes).toBe(10);
    expect(oversized[0]!.prefix.startsWith('{"id":1,')).toBe(true);
  });

  it("drops a line that grows past maxBytes across chunks, reports it once, and resumes after its newline", () => {
    const { decoder: d, lines, oversized } = decoder(16);
    d.push(bytes('{"id":7,"resu'));
    d.push(bytes('lt":"aaaaaaaaaaaa'));
    d.push(bytes("aaaaaaaaaaaaaaaa"));
    d.push(bytes('aaa"}\n{"b":2}\n'));
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.prefix).toBe('{"id":7,"resu');
    expect(lines).toEqual(['{"b":2}']);
  });

  it("measures the limit on the raw line (BOM and \\r included), however the line is chunked", () => {
    for (const text of ["\uFEFF{}\n", "{}\r\n"]) {
      const whole = decoder(2);
      whole.decoder.push(bytes(text));
      const split = decoder(2);
      for (const byte of bytes(text)) split.decoder.push(Buffer.from([byte]));
      expect(whole.lines).toEqual([]);
      expect(split.lines).toEqual([]);
      expect(whole.oversized).toHaveLength(1);
      expect(split.oversized).toHaveLength(1);
    }
  });

  it("rejects a non-positive limit", () => {
    expect(() => new LineDecoder({ line: () => {}, oversized: () => {} }, 0)).toThrow(RangeError);
  });
});
