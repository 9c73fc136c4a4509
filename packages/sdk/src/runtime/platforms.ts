// The platforms the codex runtime ships for: one npm package each, named with Node's own
// `process.platform`/`process.arch` words. The release staging script and the runtime lookup both
// read this table, so a platform is added in one place.

/** The C library a Linux binary needs. */
export type Libc = "glibc" | "musl";

/** One platform the codex runtime is published for. */
export interface RuntimePlatform {
  /** `<os>-<arch>[-musl]`, e.g. `"linux-x64"`: the suffix of the package name. */
  readonly id: string;
  /** The npm package holding this platform's runtime, e.g. `"@codex/cli-bin-linux-x64"`. */
  readonly packageName: string;
  /** `process.platform` this runtime runs on (the package's `os` field). */
  readonly os: NodeJS.Platform;
  /** `process.arch` this runtime runs on (the package's `cpu` field). */
  readonly cpu: string;
  /**
   * The C library the binary needs (the package's `libc` field), or `undefined` when it runs
   * with either: the Linux binaries are statically linked musl executables, which run on glibc
   * and musl systems alike, so they carry no `libc` restriction.
   */
  readonly libc: Libc | undefined;
  /** The Rust target triple of the binary (`codex-package.json`'s `target`). */
  readonly targetTriple: string;
  /** File name of the executables in `bin/`: `.exe` on Windows. */
  readonly executableSuffix: "" | ".exe";
}

function platform(id: string, os: NodeJS.Platform, cpu: string, targetTriple: string): RuntimePlatform {
  return Object.freeze({
    id,
    packageName: `@codex/cli-bin-${id}`,
    os,
    cpu,
    libc: undefined,
    targetTriple,
    executableSuffix: os === "win32" ? ".exe" : "",
  });
}

/** Every platform the runtime is published for, in the order of `@codex/cli-bin`'s optional dependencies. */
export const RUNTIME_PLATFORMS: readonly RuntimePlatform[] = Object.freeze([
  platform("darwin-arm64", "darwin", "arm64", "aarch64-apple-darwin"),
  platform("darwin-x64", "darwin", "x64", "x86_64-apple-darwin"),
  platform("linux-arm64", "linux", "arm64", "aarch64-unknown-linux-musl"),
  platform("linux-x64", "linux", "x64", "x86_64-unknown-linux-musl"),
  platform("win32-arm64", "win32", "arm64", "aarch64-pc-windows-msvc"),
  platform("win32-x64", "win32", "x64", "x86_64-pc-windows-msvc"),
]);

/** The name of the package that pulls in the right platform package through `optionalDependencies`. */
export const RUNTIME_PACKAGE_NAME = "@codex/cli-bin";

/** The platform with this id (`"linux-x64"`), or `undefined`. */
export function findRuntimePlatform(id: string): RuntimePlatform | undefined {
  return RUNTIME_PLATFORMS.find((candidate) => candidate.id === id);
}

/**
 * The platforms whose runtime can run on this machine, best first: those built for this
 * machine's C library before those that need none. Empty when codex is not published for it.
 * `libc` is asked only when a candidate is restricted to one C library.
 */
export function runtimePlatformsFor(os: string, cpu: string, libc: () => Libc | undefined): RuntimePlatform[] {
  const sameMachine = RUNTIME_PLATFORMS.filter((candidate) => candidate.os === os && candidate.cpu === cpu);
  if (sameMachine.every((candidate) => candidate.libc === undefined)) return sameMachine;
  const hostLibc = libc();
  return sameMachine
    .filter((candidate) => candidate.libc === undefined || candidate.libc === hostLibc)
    .sort((a, b) => Number(b.libc !== undefined) - Number(a.libc !== undefined));
}
