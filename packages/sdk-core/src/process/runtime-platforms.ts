// The platforms the codex runtime ships for: one npm package each, named with Node's own
// `process.platform`/`process.arch` words. The runtime lookup, the release staging script and
// the test helpers all read this table, so a platform is added in one place.

/** One platform the codex runtime is published for. */
export interface RuntimePlatform {
  /** `<os>-<arch>`, e.g. `"linux-x64"`: the suffix of the package name. */
  readonly id: string;
  /** The npm package holding this platform's runtime, e.g. `"@codex/cli-bin-linux-x64"`. */
  readonly packageName: string;
  /**
   * `process.platform` this runtime runs on (the package's `os` field). The Linux binaries are
   * statically linked musl executables: one package serves glibc and musl systems alike.
   */
  readonly os: NodeJS.Platform;
  /** `process.arch` this runtime runs on (the package's `cpu` field). */
  readonly cpu: string;
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
 * The platform whose runtime runs on a machine with this `process.platform` and `process.arch`
 * (default: this one), or `undefined` when codex is not published for it.
 */
export function runtimePlatformFor(
  os: string = process.platform,
  cpu: string = process.arch,
): RuntimePlatform | undefined {
  return RUNTIME_PLATFORMS.find((candidate) => candidate.os === os && candidate.cpu === cpu);
}
