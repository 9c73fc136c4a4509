// Runs a bench worker (a TypeScript file under src/) in a fresh Node process and returns the JSON
// object it prints as its last stdout line. By default through tsx; with `bundled`, the worker is
// first bundled by esbuild (packages left external) into .cache/ and run by plain node, so the
// process's memory is the client's own and not the TypeScript loader's (tsx adds ~30 MiB of RSS).
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { buildSync } from "esbuild";

const here = import.meta.dirname;
const cacheDir = path.resolve(here, "..", ".cache", "workers");
const bundles = new Map<string, string>();

/** The worker `file` bundled into .cache/workers (once per run). */
function bundle(file: string): string {
  let out = bundles.get(file);
  if (out === undefined) {
    mkdirSync(cacheDir, { recursive: true });
    out = path.join(cacheDir, `${file.replace(/[\\/]/g, "-").replace(/\.ts$/, "")}.mjs`);
    buildSync({
      entryPoints: [path.join(here, file)],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "error",
    });
    bundles.set(file, out);
  }
  return out;
}

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /**
   * Run an esbuild bundle with plain node instead of the source through tsx (the worker must not
   * use import.meta paths).
   */
  bundled?: boolean;
}

/** Runs `src/<file>` with `args`; rejects with the worker's stderr if it fails. */
export function runWorker<T>(
  file: string,
  args: string[],
  nodeFlags: string[] = [],
  env?: Record<string, string>,
  options: WorkerOptions = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const entry = options.bundled ? [bundle(file)] : ["--import", "tsx", path.join(here, file)];
    const child = spawn(process.execPath, [...nodeFlags, ...entry, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(new Error(`worker ${file} exited with ${code ?? signal}:\n${stderr.slice(-4000)}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`worker ${file} printed no JSON result:\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}
