import { describe, expect, it } from "vitest";
import { classifyBinary } from "../../staging/binary-format.js";

function elf(machine: number): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header.writeUInt16LE(machine, 18);
  return header;
}

function machO(cpuType: number): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeUInt32LE(cpuType, 4);
  return header;
}

function pe(machine: number): Buffer {
  const header = Buffer.alloc(256);
  header.write("MZ", 0, "latin1");
  header.writeUInt32LE(0x80, 0x3c);
  header.writeUInt32BE(0x50450000, 0x80);
  header.writeUInt16LE(machine, 0x84);
  return header;
}

describe("classifyBinary", () => {
  it("places native executables on one platform", () => {
    expect(classifyBinary(elf(0x3e))).toMatchObject({ native: true, os: "linux", cpu: "x64" });
    expect(classifyBinary(elf(0xb7))).toMatchObject({ native: true, os: "linux", cpu: "arm64" });
    expect(classifyBinary(machO(0x01000007))).toMatchObject({ native: true, os: "darwin", cpu: "x64" });
    expect(classifyBinary(machO(0x0100000c))).toMatchObject({ native: true, os: "darwin", cpu: "arm64" });
    expect(classifyBinary(pe(0x8664))).toMatchObject({ native: true, os: "win32", cpu: "x64" });
    expect(classifyBinary(pe(0xaa64))).toMatchObject({ native: true, os: "win32", cpu: "arm64" });
  });

  it("refuses what is not specific to one platform", () => {
    expect(classifyBinary(Buffer.from("#!/usr/bin/env node\nimport 'x';\n"))).toMatchObject({
      native: false,
      reason: expect.stringContaining("script"),
    });
    const fat = Buffer.alloc(16);
    fat.writeUInt32BE(0xcafebabe, 0);
    expect(classifyBinary(fat)).toMatchObject({ native: false, reason: expect.stringContaining("universal") });
    expect(classifyBinary(elf(0x28))).toMatchObject({ native: false, reason: expect.stringContaining("machine 0x28") });
    expect(classifyBinary(Buffer.from("hello world"))).toMatchObject({ native: false });
    expect(classifyBinary(Buffer.alloc(0))).toMatchObject({ native: false });
  });
});
