// What the runtime lookup needs from the machine, as one small interface: the real one reads the
// file system and Node's module resolution; unit tests pass a fake to play every broken install.
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import type { Libc } from "./platforms.js";

/** The installed `@codex/cli-bin`, as seen from `@codex/sdk`. */
export interface CliBinLocation {
  /** Directory of the installed `@codex/cli-bin`. */
  readonly packageDir: string;
  /** Resolves a module specifier from `@codex/cli-bin`'s location; `undefined` when not installed. */
  resolve(specifier: string): string | undefined;
}

/** File facts the lookup needs. */
export interface FileFacts {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The machine, as the runtime lookup sees it. */
export interface RuntimeHost {
  /** `process.platform`. */
  readonly platform: string;
  /** `process.arch`. */
  readonly arch: string;
  /** The environment (for `CODEX_BIN`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This machine's C library on Linux, `undefined` elsewhere. Called only when it matters. */
  libc(): Libc | undefined;
  /** The installed `@codex/cli-bin`, or `undefined` when it is not installed. */
  locateCliBin(): Promise<CliBinLocation | undefined>;
  /** Facts about `file`, or `undefined` when it does not exist. */
  stat(file: string): FileFacts | undefined;
  /** The text of `file`, or `undefined` when it does not exist. */
  readText(file: string): string | undefined;
  /** Runs `executable --version` and returns its stdout; rejects when it cannot run or exits non-zero. */
  runVersion(executable: string): Promise<string>;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Reads the C library of this Linux machine the way Node itself reports it. */
function detectLibc(): Libc | undefined {
  if (process.platform !== "linux") return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? "glibc" : "musl";
}

async function locateInstalledCliBin(): Promise<CliBinLocation | undefined> {
  let module: { packageDir?: string; resolveFromCliBin?: (specifier: string) => string | undefined; default?: unknown };
  try {
    // Imported, not resolved from the application: the import is resolved from this package's
    // own location, which is where the package manager put our dependency.
    module = await import("@codex/cli-bin");
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
  // A CommonJS module imported from ESM may expose its exports only on `default`.
  const api = (module.resolveFromCliBin ? module : module.default) as typeof module | undefined;
  if (!api?.resolveFromCliBin || !api.packageDir) return undefined;
  return { packageDir: api.packageDir, resolve: api.resolveFromCliBin };
}

/** The real machine: `process`, `node:fs`, Node's module resolution. */
export const nodeRuntimeHost: RuntimeHost = {
  platform: process.platform,
  arch: process.arch,
  get env() {
    return process.env;
  },
  libc: detectLibc,
  locateCliBin: locateInstalledCliBin,
  stat(file) {
    try {
      const stats = statSync(file);
      return { isFile: stats.isFile(), isDirectory: stats.isDirectory(), size: stats.size, mtimeMs: stats.mtimeMs };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  readText(file) {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  runVersion(executable) {
    return new Promise((resolve, reject) => {
      execFile(executable, ["--version"], { timeout: 10_000, windowsHide: true }, (error, stdout) => {
        if (error) reject(error);
        else resolve(stdout);
      });
    });
  },
};
