// Exports the app-server JSON Schema from a codex binary. Only the two full bundles are kept:
// the per-method files each inline their own copy of every definition they use, so reading
// them would declare the same names many times over.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** File name of the full bundle, the same for the stable and the experimental export. */
export const BUNDLE_FILE = "codex_app_server_protocol.schemas.json";

/** The schema text of both surfaces, byte for byte as the binary wrote it. */
export interface ExportedSchema {
  /** Version printed by `codex --version`, e.g. `0.169.0`. */
  codexVersion: string;
  /** The full bundle of the stable surface. */
  stable: string;
  /** The full bundle with `--experimental` methods and fields. */
  experimental: string;
}

/** Reads the version of a codex binary from `codex --version` (`codex-cli 0.169.0`). */
export async function readCodexVersion(codexBin: string): Promise<string> {
  const { stdout } = await execFileAsync(codexBin, ["--version"], { timeout: 30_000 });
  const match = /(\d+\.\d+\.\d+(?:-[\w.]+)?)\s*$/.exec(stdout.trim());
  if (!match?.[1])
    throw new Error(`Cannot read the version of ${codexBin}: "--version" printed ${JSON.stringify(stdout)}.`);
  return match[1];
}

/**
 * Runs `codex app-server generate-json-schema` twice (stable and `--experimental`) into
 * temporary directories and returns the two full bundles. Fails when the binary's version is
 * not `expectedVersion`: the committed schema must come from the pinned runtime.
 */
export async function exportSchema(codexBin: string, expectedVersion: string): Promise<ExportedSchema> {
  const codexVersion = await readCodexVersion(codexBin);
  if (codexVersion !== expectedVersion) {
    throw new Error(
      `The codex binary at ${codexBin} is version ${codexVersion}, but package.json pins codexRuntimeVersion ${expectedVersion}.\n` +
        `Install the pinned runtime ("pnpm install" at the repository root), or point CODEX_BIN at codex ${expectedVersion}.`,
    );
  }
  const workDir = await mkdtemp(path.join(tmpdir(), "codex-schema-"));
  try {
    // A throwaway CODEX_HOME: the export must not read or write the user's configuration.
    const env = { ...process.env, CODEX_HOME: path.join(workDir, "home") };
    await mkdir(env.CODEX_HOME, { recursive: true });
    const exportOne = async (name: string, extraArgs: string[]): Promise<string> => {
      const out = path.join(workDir, name);
      try {
        await execFileAsync(codexBin, ["app-server", "generate-json-schema", "--out", out, ...extraArgs], {
          env,
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (cause) {
        const stderr = (cause as { stderr?: string }).stderr ?? "";
        throw new Error(`"codex app-server generate-json-schema ${extraArgs.join(" ")}" failed:\n${stderr}`, { cause });
      }
      return readFile(path.join(out, BUNDLE_FILE), "utf8");
    };
    const stable = await exportOne("stable", []);
    const experimental = await exportOne("experimental", ["--experimental"]);
    return { codexVersion, stable, experimental };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
