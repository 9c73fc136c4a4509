// The staging command as maintainers run it (`pnpm run stage ...`): arguments, refusals, and
// the report of what it wrote.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

let temp: string;
beforeEach(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-stage-command-test-"));
});
afterEach(() => {
  rmSync(temp, { recursive: true, force: true });
});

function stage(...args: string[]) {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(repoRoot, "scripts/stage.ts"), ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, CODEX_RELEASE_TAG: "" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("scripts/stage.ts", () => {
  it("refuses a version that does not match the release tag, naming both versions", { timeout: 60_000 }, () => {
    const dir = path.join(temp, "cli-bin");
    const result = stage("stage-cli-bin", dir, "--runtime-version", "0.170.0", "--release-tag", "rust-v0.169.0");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "--runtime-version 0.170.0 does not match the release tag rust-v0.169.0 (version 0.169.0)",
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("stages with versions given as tags, and prints every file it wrote", { timeout: 60_000 }, () => {
    const dir = path.join(temp, "cli-bin");
    const result = stage(
      "stage-cli-bin",
      dir,
      "--runtime-version",
      "rust-v0.169.0-alpha.2",
      "--release-tag",
      "rust-v0.169.0-alpha.2",
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`staged @codex/cli-bin@0.169.0-alpha.2 in ${dir}`);
    for (const file of ["index.cjs", "index.d.ts", "package.json"])
      expect(result.stdout).toMatch(new RegExp(`\\n  ${file.replace(".", "\\.")} +\\d`));
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version).toBe("0.169.0-alpha.2");
  });

  it("refuses unknown subcommands and missing arguments with the usage", { timeout: 60_000 }, () => {
    const unknown = stage("stage-everything", path.join(temp, "x"));
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('Unknown subcommand "stage-everything"');
    const missing = stage("stage-runtime", path.join(temp, "x"), "--runtime-version", "0.169.0");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("stage-runtime takes <dir> <binary-or-package-dir>");
  });
});
