// Reads which OS and CPU a native executable is built for from its header (ELF, Mach-O, PE).
// That is how the staging command knows a runtime is platform-specific: a script, a universal
// Mach-O or anything else it cannot place on exactly one platform is refused.
import { openSync, readSync, closeSync } from "node:fs";

/** What a file's header says about it. */
export type BinaryPlatform =
  | { native: true; os: "linux" | "darwin" | "win32"; cpu: "x64" | "arm64"; format: string }
  | { native: false; reason: string };

const ELF_MACHINES: Record<number, "x64" | "arm64"> = { 62: "x64", 183: "arm64" };
const MACHO_CPUS: Record<number, "x64" | "arm64"> = { 16777223: "x64", 16777228: "arm64" };
const PE_MACHINES: Record<number, "x64" | "arm64"> = { 34404: "x64", 43620: "arm64" };

/** Classifies the first bytes of a file (4 KiB is plenty: the PE header offset sits below that in practice). */
export function classifyBinary(header: Buffer): BinaryPlatform {
  if (header.length >= 2 && header[0] === 0x23 && header[1] === 0x21) {
    return { native: false, reason: 'a script ("#!"), e.g. a Node launcher, not the native binary' };
  }
  if (header.length >= 20 && header.readUInt32BE(0) === 0x7f454c46) {
    if (header[4] !== 2 || header[5] !== 1)
      return { native: false, reason: "an ELF file that is not 64-bit little-endian" };
    const cpu = ELF_MACHINES[header.readUInt16LE(18)];
    return cpu
      ? { native: true, os: "linux", cpu, format: "ELF" }
      : { native: false, reason: `an ELF binary for machine 0x${header.readUInt16LE(18).toString(16)}` };
  }
  if (header.length >= 8 && header.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = MACHO_CPUS[header.readUInt32LE(4)];
    return cpu
      ? { native: true, os: "darwin", cpu, format: "Mach-O" }
      : { native: false, reason: `a Mach-O binary for CPU type 0x${header.readUInt32LE(4).toString(16)}` };
  }
  if (header.length >= 4 && (header.readUInt32BE(0) === 0xcafebabe || header.readUInt32BE(0) === 0xcafebabf)) {
    return {
      native: false,
      reason: "a universal (fat) Mach-O binary, which serves several CPUs: stage each architecture's binary separately",
    };
  }
  if (header.length >= 0x40 && header[0] === 0x4d && header[1] === 0x5a) {
    const peOffset = header.readUInt32LE(0x3c);
    if (peOffset + 6 <= header.length && header.readUInt32BE(peOffset) === 0x50450000) {
      const machine = header.readUInt16LE(peOffset + 4);
      const cpu = PE_MACHINES[machine];
      return cpu
        ? { native: true, os: "win32", cpu, format: "PE" }
        : { native: false, reason: `a PE binary for machine 0x${machine.toString(16)}` };
    }
    return { native: false, reason: "a DOS/PE file whose PE header could not be read" };
  }
  return { native: false, reason: "not an ELF, Mach-O or PE executable" };
}

/** Classifies the file at `file` by its header. */
export function classifyBinaryFile(file: string): BinaryPlatform {
  const header = Buffer.alloc(4096);
  const fd = openSync(file, "r");
  try {
    const length = readSync(fd, header, 0, header.length, 0);
    return classifyBinary(header.subarray(0, length));
  } finally {
    closeSync(fd);
  }
}
