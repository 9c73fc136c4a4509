// The pin-moving step of `pnpm bump-runtime` (scripts/bump/pins.ts), on a copy of the repository's
// pinned files: it moves every hand-kept pin `pnpm check-pins` checks, only those values, and
// moving to the version already pinned changes nothing.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { movePins, readPinnedRuntime } from "../bump/pins.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");

let copy: string;
beforeEach(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), "codex-bump-pins-test-"));
  for (const part of ["package.json", "schema/provenance.json", ".changeset/config.json", "packages"]) {
    cpSync(path.join(repoRoot, part), path.join(copy, part), {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|dist|\.turbo|test)([\\/]|$)/.test(source),
    });
  }
});
afterEach(() => {
  rmSync(copy, { recursive: true, force: true });
});

/** Every file of the copy with its content. */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(copy, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(copy, file), readFileSync(file, "utf8"));
  }
  return files;
}

function checkPins() {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(repoRoot, "scripts/check-pins.ts"), "--root", copy],
    {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 50_000,
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("movePins", () => {
  it("changes nothing when every pin already names the version", () => {
    const before = snapshot();
    expect(movePins(copy, readPinnedRuntime(copy))).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it("moves every hand-kept pin, leaves only what generate-types rewrites to check-pins, and is idempotent", {
    timeout: 60_000,
  }, () => {
    const pinned = readPinnedRuntime(copy);
    const before = snapshot();
    const changes = movePins(copy, "9.8.7");

    expect(
      changes.every(
        (change) =>
          change.from.replace(/^workspace:/, "") === pinned && change.to.replace(/^workspace:/, "") === "9.8.7",
      ),
    ).toBe(true);
    const where = changes.map((change) => `${change.file} ${change.where}`);
    expect(where).toEqual(
      expect.arrayContaining([
        "package.json codexRuntimeVersion",
        "package.json devDependencies[@openai/codex]",
        "packages/cli-bin/package.json version",
        "packages/cli-bin/package.json optionalDependencies[@codex/cli-bin-linux-x64]",
        "packages/cli-bin-win32-arm64/package.json version",
        "packages/sdk/package.json dependencies[@codex/cli-bin]",
      ]),
    );
    expect(readPinnedRuntime(copy)).toBe("9.8.7");

    // Only the pinned values changed: every other line of every file is as it was.
    const after = snapshot();
    for (const [file, text] of after) {
      const old = before.get(file)!;
      const changedLines = text.split("\n").filter((line, index) => line !== old.split("\n")[index]);
      for (const line of changedLines) expect(line, file).toContain("9.8.7");
    }

    // What check-pins still lists is what `pnpm generate-types` rewrites from the new binary.
    const { status, output } = checkPins();
    expect(status).toBe(1);
    const problems = output.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems)
      expect(problem).toMatch(
        /^ {2}- (schema\/provenance\.json codexVersion|packages\/protocol-types\/src\/generated\/.* header):/,
      );

    expect(movePins(copy, "9.8.7")).toEqual([]);
    expect(snapshot()).toEqual(after);
  });
});
