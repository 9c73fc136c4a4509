// What the runtime lookup needs from the machine, as one small interface: the real one reads the
// file system and runs `codex --version`; unit tests pass a fake to play every broken install.
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";

/** The installed `@codex/cli-bin`, as seen from the package that depends on it (`@codex/sdk`). */
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
  /**
   * The installed `@codex/cli-bin`, or `undefined` when it is not installed. Absent on a host
   * that has no bundled runtime to look for (`@codex/sdk-core` alone: the caller names the binary).
   */
  locateCliBin?: (() => Promise<CliBinLocation | undefined>) | undefined;
  /** Facts about `file`, or `undefined` when it does not exist. */
  stat(file: string): FileFacts | undefined;
  /** The text of `file`, or `undefined` when it does not exist. */
  readText(file: string): string | undefined;
  /**
   * Runs `executable --version` and returns its stdout; rejects when it cannot run (the error's
   * `code` is the errno, e.g. `"EACCES"`) or exits non-zero (`code` is the exit code, `signal`
   * the signal, `stderr` what it printed).
   */
  runVersion(executable: string): Promise<string>;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The real machine: `process`, `node:fs`, `child_process`. It knows of no bundled runtime (no `locateCliBin`). */
export const nodeRuntimeHost: RuntimeHost = {
  platform: process.platform,
  arch: process.arch,
  get env() {
    return process.env;
  },
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
      execFile(executable, ["--version"], { timeout: 10_000, windowsHide: true }, (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stderr }));
        else resolve(stdout);
      });
    });
  },
};
