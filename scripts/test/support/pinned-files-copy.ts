// A throwaway copy of the repository's pinned files (the manifests, the schema's provenance, the
// changesets config, the packages' sources and generated headers), for tests that move or break
// pins without touching the checkout.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";

/** The checkout these tests run in. */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/**
 * Gives every test of the file a fresh copy (`copy.dir`), removed after it. Call once at the top
 * level of a test file.
 */
export function usePinnedFilesCopy(prefix: string): { readonly dir: string } {
  const copy = { dir: "" };
  beforeEach(() => {
    copy.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    for (const part of ["package.json", "schema/provenance.json", ".changeset/config.json", "packages"]) {
      cpSync(path.join(repoRoot, part), path.join(copy.dir, part), {
        recursive: true,
        // The pins live in manifests, version constants and generated headers; skip the rest.
        filter: (source) => !/[\\/](node_modules|dist|\.turbo|test)([\\/]|$)/.test(source),
      });
    }
  });
  afterEach(() => {
    rmSync(copy.dir, { recursive: true, force: true });
  });
  return copy;
}

/** Runs `pnpm check-pins` (scripts/check-pins.ts) on the layout at `root`: its exit status and output. */
export function checkPins(root: string): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "scripts/check-pins.ts"), "--root", root],
    { cwd: repoRoot, encoding: "utf8", timeout: 50_000 },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
