// The packages the SDK is compared against. They are not dependencies of the workspace (so a
// `pnpm install` — every contributor's and every CI run's — does not download them; the codex
// binary that `@openai/codex-sdk` brings is a second ~160 MB download): `pnpm bench` installs them
// on first use into bench/.baselines/ (gitignored) with npm, at exact versions.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { now } from "./stats.js";

/** The baselines and their exact versions. */
export const BASELINE_PACKAGES: Readonly<Record<string, string>> = { "@openai/codex-sdk": "0.163.0" };

/** Where they are installed. */
export const BASELINES_DIR = path.resolve(import.meta.dirname, "..", ".baselines");

/** The installed baselines. */
export interface Baselines {
  /** `node_modules` of the install (for a consumer project that links them). */
  modulesDir: string;
  /** The folder of `@openai/codex-sdk`. */
  openaiSdkDir: string;
  /** `file:` URL of `@openai/codex-sdk`'s ES module entry. */
  openaiSdkUrl: string;
  openaiSdkVersion: string;
  /** Seconds the install took in this run (0 when it was already there). */
  installSeconds: number;
}

function installedVersion(name: string): string | undefined {
  const manifest = path.join(BASELINES_DIR, "node_modules", ...name.split("/"), "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
}

/** Installs the baselines unless they are there at their pinned versions; throws if npm fails. */
export function ensureBaselines(log: (line: string) => void): Baselines {
  let installSeconds = 0;
  const missing = Object.entries(BASELINE_PACKAGES).filter(([name, version]) => installedVersion(name) !== version);
  if (missing.length > 0) {
    mkdirSync(BASELINES_DIR, { recursive: true });
    writeFileSync(
      path.join(BASELINES_DIR, "package.json"),
      `${JSON.stringify({ name: "codex-bench-baselines", private: true, description: "Written by bench/src/baselines.ts", dependencies: BASELINE_PACKAGES }, null, 2)}\n`,
    );
    log(
      `installing the baselines into bench/.baselines (${missing.map(([name, version]) => `${name}@${version}`).join(", ")}; once)…`,
    );
    const t0 = now();
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const run = spawnSync(npm, ["install", "--prefix", BASELINES_DIR, "--no-audit", "--no-fund", "--loglevel=error"], {
      stdio: "inherit",
    });
    installSeconds = (now() - t0) / 1000;
    if (run.status !== 0)
      throw new Error(`npm install of the baselines failed (exit ${run.status ?? run.signal}); see the output above.`);
    log(`baselines installed in ${installSeconds.toFixed(1)} s`);
  }
  const modulesDir = path.join(BASELINES_DIR, "node_modules");
  const openaiSdkDir = path.join(modulesDir, "@openai", "codex-sdk");
  return {
    modulesDir,
    openaiSdkDir,
    openaiSdkUrl: pathToFileURL(path.join(openaiSdkDir, "dist", "index.js")).href,
    openaiSdkVersion: installedVersion("@openai/codex-sdk")!,
    installSeconds,
  };
}
