// The JavaScript runtimes the release rehearsal runs its consumer program under (runtime-check.mjs),
// each pinned to an exact version. The machine's own Node is used as it is; the others come from
// npm packages that carry the runtime's binary (`node-<os>-<arch>`, `bun`, `deno`), installed by
// plain npm into a cache directory under node_modules/.cache that survives between runs (a fresh
// clone installs them on its first run). A runtime that cannot be installed is skipped with the
// reason, never silently.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** One runtime of the matrix. */
export interface MatrixRuntime {
  /** Shown in the rehearsal's summary, e.g. `node 22`, `bun`. */
  readonly label: string;
  /** The npm package and exact version that carries it; none for the machine's own Node. */
  readonly npm?: { readonly name: string; readonly version: string };
  /** Where the binary may sit inside the install directory, first match wins (platform packages differ). */
  readonly binaries?: readonly string[];
  /** argv before the script: `run -A` for Deno. */
  readonly runArgs?: readonly string[];
  /** The version the binary must report (`--version`), so a stale cache is never used. */
  readonly expectVersion?: string;
  /** Extra environment for the run, given the cache directory. */
  readonly env?: (cacheDir: string) => Record<string, string>;
}

const os = process.platform;
const arch = process.arch;
const bunArch = arch === "arm64" ? "aarch64" : arch;
const denoArch = arch === "x64" ? "x86_64" : "aarch64";

/** The pinned matrix. Change a version here and the next run installs it. */
export const MATRIX_RUNTIMES: readonly MatrixRuntime[] = [
  { label: "node 20 (this machine's)" },
  {
    label: "node 22",
    npm: { name: `node-${os}-${arch}`, version: "22.23.5" },
    binaries: [`node_modules/node-${os}-${arch}/bin/node`],
    expectVersion: "v22.23.5",
  },
  {
    label: "node 24",
    npm: { name: `node-${os}-${arch}`, version: "24.22.3" },
    binaries: [`node_modules/node-${os}-${arch}/bin/node`],
    expectVersion: "v24.22.3",
  },
  {
    label: "bun",
    npm: { name: "bun", version: "1.4.5" },
    // Installed without scripts, the binary stays in its platform package (glibc first, then musl).
    binaries: [
      `node_modules/@oven/bun-${os}-${bunArch}/bin/bun`,
      `node_modules/@oven/bun-${os}-${bunArch}-musl/bin/bun`,
    ],
    expectVersion: "1.4.5",
  },
  {
    label: "deno",
    npm: { name: "deno", version: "2.9.6" },
    binaries: [`node_modules/@deno/${os}-${arch}-glibc/deno`, `node_modules/@deno/${os}-${arch}/deno`],
    runArgs: ["run", "--allow-all", "--quiet"],
    // Deno's own cache beside the binaries, not the user's; no update check over the network.
    env: (cacheDir) => ({ DENO_DIR: path.join(cacheDir, "deno-dir"), DENO_NO_UPDATE_CHECK: "1" }),
    expectVersion: `deno 2.9.6 (stable, release, ${denoArch}`,
  },
];

/** A runtime ready to run, or the reason it is skipped. */
export type ResolvedRuntime =
  | { ok: true; binary: string; version: string; installed: "cached" | "now" | "machine" }
  | { ok: false; reason: string };

/**
 * The cache directory: beside the repository's installed packages, so `git clean` of sources keeps
 * it and a fresh clone starts empty.
 */
export function runtimeCacheDir(repoRoot: string): string {
  return path.join(repoRoot, "node_modules", ".cache", "codex-runtime-matrix");
}

async function versionOf(binary: string): Promise<string> {
  const { stdout } = await execFileAsync(binary, ["--version"], { timeout: 30_000 });
  return stdout.trim().split("\n")[0] ?? "";
}

/**
 * The runtime's binary from the cache, installing it first when missing. Never throws: a
 * runtime that cannot be installed (no registry, no package for this platform) is `{ ok: false }`.
 */
export async function resolveMatrixRuntime(
  runtime: MatrixRuntime,
  cacheDir: string,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedRuntime> {
  if (runtime.npm === undefined)
    return { ok: true, binary: process.execPath, version: `v${process.versions.node}`, installed: "machine" };
  const { name, version } = runtime.npm;
  const dir = path.join(cacheDir, `${name.replaceAll("/", "+")}@${version}`);
  const marker = path.join(dir, "installed.json");
  const find = (): string | undefined =>
    runtime.binaries?.map((relative) => path.join(dir, relative)).find((candidate) => existsSync(candidate));
  const check = async (binary: string): Promise<string> => {
    const reported = await versionOf(binary);
    if (runtime.expectVersion !== undefined && !reported.startsWith(runtime.expectVersion)) {
      throw new Error(`${binary} reports "${reported}", not ${runtime.expectVersion}`);
    }
    return reported;
  };

  if (existsSync(marker)) {
    const binary = find();
    if (binary !== undefined) {
      try {
        return { ok: true, binary, version: await check(binary), installed: "cached" };
      } catch {
        // A damaged cache entry: install it again below.
      }
    }
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      `${JSON.stringify({ name: "codex-runtime-matrix-cache", private: true }, null, 2)}\n`,
    );
    // --ignore-scripts: the binary is taken from the platform package as published, nothing runs at install.
    await execFileAsync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", `${name}@${version}`],
      {
        cwd: dir,
        env,
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const binary = find();
    if (binary === undefined) {
      return {
        ok: false,
        reason: `npm installed ${name}@${version}, but none of ${runtime.binaries?.join(", ")} exists for ${os}-${arch}`,
      };
    }
    const reported = await check(binary);
    writeFileSync(
      marker,
      `${JSON.stringify({ name, version, binary: path.relative(dir, binary), reported }, null, 2)}\n`,
    );
    return { ok: true, binary, version: reported, installed: "now" };
  } catch (error) {
    const failure = error as { stderr?: string; message?: string };
    const detail = (failure.stderr?.trim() || failure.message || String(error)).split("\n").slice(-3).join(" ");
    return { ok: false, reason: `could not install ${name}@${version} with npm into ${dir}: ${detail}` };
  }
}

/** Every runtime of the matrix, installed concurrently (downloads dominate; the runs come later, one at a time). */
export function resolveMatrixRuntimes(cacheDir: string, env: NodeJS.ProcessEnv): Promise<ResolvedRuntime[]> {
  mkdirSync(cacheDir, { recursive: true });
  return Promise.all(MATRIX_RUNTIMES.map((runtime) => resolveMatrixRuntime(runtime, cacheDir, env)));
}

/** The command that runs `script` under the runtime, and the environment it needs. */
export function runtimeCommand(
  runtime: MatrixRuntime,
  resolved: { binary: string },
  script: string,
  cacheDir: string,
  env: NodeJS.ProcessEnv,
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const runEnv: NodeJS.ProcessEnv = { ...env, ...runtime.env?.(cacheDir) };
  return { command: resolved.binary, args: [...(runtime.runArgs ?? []), script], env: runEnv };
}

/** The scenario lines runtime-check.mjs printed, for the step's detail. */
export function scenarioLines(output: string): string[] {
  const lines: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as { scenario?: string; ok?: boolean; seconds?: number; error?: string };
      if (parsed.scenario === undefined) continue;
      lines.push(
        parsed.ok
          ? `${parsed.scenario}: ok (${parsed.seconds?.toFixed(1)} s)`
          : `${parsed.scenario}: FAILED ${parsed.error ?? ""}`,
      );
    } catch {
      // Not one of the program's lines.
    }
  }
  return lines;
}
