import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** Rust target triple of the binary inside `@openai/codex`'s platform package, per Node platform. */
const TARGET_TRIPLES: Record<string, string> = {
  "linux-x64": "x86_64-unknown-linux-musl",
  "linux-arm64": "aarch64-unknown-linux-musl",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
  "win32-arm64": "aarch64-pc-windows-msvc",
};

/**
 * Finds a native `codex` binary for tests: `CODEX_BIN` if set, else the binary shipped by the
 * `@openai/codex` npm package (a development dependency of this repository), resolved from
 * `from` (default: the current working directory).
 *
 * It returns the native executable, never `node_modules/.bin/codex`: that is a Node wrapper
 * which starts the native process as a child, so killing the wrapper would orphan it.
 */
export function resolveCodexBin(from: string = process.cwd()): string {
  const fromEnv = process.env["CODEX_BIN"];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CODEX_BIN points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const platform = `${process.platform}-${process.arch}`;
  const triple = TARGET_TRIPLES[platform];
  if (!triple) throw new Error(`No codex binary is published for ${platform}; set CODEX_BIN.`);
  let packageJson: string;
  try {
    const requireFromHere = createRequire(path.join(from, "noop.js"));
    // pnpm does not hoist the npm-alias platform dependency: resolve it from @openai/codex itself.
    const requireFromCodex = createRequire(requireFromHere.resolve("@openai/codex/package.json"));
    packageJson = requireFromCodex.resolve(`@openai/codex-${platform}/package.json`);
  } catch (cause) {
    throw new Error(
      `Cannot find the codex binary: install the pinned "@openai/codex" (run "pnpm install" at the repository root) or set CODEX_BIN.`,
      { cause },
    );
  }
  const exe = process.platform === "win32" ? "codex.exe" : "codex";
  const bin = path.join(path.dirname(packageJson), "vendor", triple, "bin", exe);
  if (!existsSync(bin)) throw new Error(`The @openai/codex platform package has no binary at ${bin}; set CODEX_BIN.`);
  return bin;
}
