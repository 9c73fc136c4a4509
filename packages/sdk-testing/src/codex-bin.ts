import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * Finds a native `codex` binary for tests, in this order: `CODEX_BIN`; the runtime installed
 * with `@codex/sdk` (its `@codex/cli-bin-<platform>` package); the binary of the `@openai/codex`
 * npm package. Packages are resolved from `from` (default: the current working directory).
 *
 * With `@codex/sdk` you rarely need this: `Codex.start({ ...env })` finds the same runtime. It is
 * for tests that spawn `codex app-server` themselves.
 *
 * It returns the native executable, never `node_modules/.bin/codex`: that is a Node wrapper
 * which starts the native process as a child, so killing the wrapper would orphan it.
 */
export function resolveCodexBin(from: string = process.cwd()): string {
  const fromEnv = process.env["CODEX_BIN"];
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(`CODEX_BIN points to ${fromEnv}, which does not exist. Fix the path, or unset CODEX_BIN.`);
    return fromEnv;
  }
  const platform = `${process.platform}-${process.arch}`;
  const requireFrom = createRequire(path.join(path.resolve(from), "noop.js"));
  // Each package is resolved from the one that depends on it: pnpm links a dependency only into
  // its dependent's node_modules, so a lookup from the project misses the nested ones.
  const chains: string[][] = [
    ["@codex/sdk", "@codex/cli-bin", `@codex/cli-bin-${platform}`],
    ["@codex/cli-bin", `@codex/cli-bin-${platform}`],
    ["@openai/codex", `@openai/codex-${platform}`],
  ];
  for (const chain of chains) {
    const packageDir = resolveChain(requireFrom, chain);
    const bin = packageDir === undefined ? undefined : layoutBinary(packageDir);
    if (bin !== undefined) return bin;
  }
  throw new Error(
    `Cannot find a codex binary for ${platform}: neither @codex/sdk's runtime (@codex/cli-bin-${platform}) nor @openai/codex is installed where ${path.resolve(from)} can see it. ` +
      `Install @codex/sdk with its optional dependencies (delete node_modules and run "npm install", without --omit=optional), ` +
      `or set CODEX_BIN to the path of a native codex executable.`,
  );
}

/**
 * The binary of the runtime installed with `@codex/sdk` (or `@codex/cli-bin` alone), resolved
 * from `from`; `undefined` when none is installed there. `Codex.start()` finds this one itself.
 */
export function installedRuntimeBin(from: string = process.cwd()): string | undefined {
  const platform = `${process.platform}-${process.arch}`;
  const requireFrom = createRequire(path.join(path.resolve(from), "noop.js"));
  for (const chain of [
    ["@codex/sdk", "@codex/cli-bin", `@codex/cli-bin-${platform}`],
    ["@codex/cli-bin", `@codex/cli-bin-${platform}`],
  ]) {
    const packageDir = resolveChain(requireFrom, chain);
    const bin = packageDir === undefined ? undefined : layoutBinary(packageDir);
    if (bin !== undefined) return bin;
  }
  return undefined;
}

/** The directory of the last package of `chain`, each resolved from the one before; `undefined` when one is missing. */
function resolveChain(requireFrom: NodeRequire, chain: readonly string[]): string | undefined {
  let current = requireFrom;
  let dir: string | undefined;
  for (const name of chain) {
    try {
      dir = path.dirname(current.resolve(`${name}/package.json`));
    } catch {
      return undefined;
    }
    current = createRequire(path.join(dir, "package.json"));
  }
  return dir;
}

/**
 * The executable of a codex runtime layout (`codex-package.json` beside `bin/`): at the package
 * root (`@codex/cli-bin-<platform>`) or in `vendor/<target>/` (`@openai/codex-<platform>`).
 */
function layoutBinary(packageDir: string): string | undefined {
  const vendor = path.join(packageDir, "vendor");
  const layouts = [
    packageDir,
    ...(existsSync(vendor) ? readdirSync(vendor).map((target) => path.join(vendor, target)) : []),
  ];
  for (const layoutDir of layouts) {
    const manifest = path.join(layoutDir, "codex-package.json");
    if (!existsSync(manifest)) continue;
    let entrypoint: unknown;
    try {
      entrypoint = (JSON.parse(readFileSync(manifest, "utf8")) as { entrypoint?: unknown }).entrypoint;
    } catch {
      continue;
    }
    const bin = path.join(
      layoutDir,
      typeof entrypoint === "string" ? entrypoint : process.platform === "win32" ? "bin/codex.exe" : "bin/codex",
    );
    if (existsSync(bin)) return bin;
  }
  return undefined;
}
