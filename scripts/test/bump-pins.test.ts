// The pin-moving step of `pnpm bump-runtime` (scripts/bump/pins.ts), on a copy of the repository's
// pinned files: it moves every hand-kept pin `pnpm check-pins` checks, only those values, and
// moving to the version already pinned changes nothing.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkPins, usePinnedFilesCopy } from "./support/pinned-files-copy.js";
import { movePins, readPinnedRuntime } from "../bump/pins.js";

const copy = usePinnedFilesCopy("codex-bump-pins-test-");

/** Every file of the copy with its content. */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(copy.dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(copy.dir, file), readFileSync(file, "utf8"));
  }
  return files;
}

describe("movePins", () => {
  it("changes nothing when every pin already names the version", () => {
    const before = snapshot();
    expect(movePins(copy.dir, readPinnedRuntime(copy.dir))).toEqual([]);
    expect(snapshot()).toEqual(before);
  });

  it("moves every hand-kept pin, leaves only what generate-types rewrites to check-pins, and is idempotent", {
    timeout: 60_000,
  }, () => {
    const pinned = readPinnedRuntime(copy.dir);
    const before = snapshot();
    const changes = movePins(copy.dir, "9.8.7");

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
    expect(readPinnedRuntime(copy.dir)).toBe("9.8.7");

    // Only the pinned values changed: every other line of every file is as it was.
    const after = snapshot();
    for (const [file, text] of after) {
      const old = before.get(file)!;
      const changedLines = text.split("\n").filter((line, index) => line !== old.split("\n")[index]);
      for (const line of changedLines) expect(line, file).toContain("9.8.7");
    }

    // What check-pins still lists is what `pnpm generate-types` rewrites from the new binary.
    const { status, output } = checkPins(copy.dir);
    expect(status).toBe(1);
    const problems = output.split("\n").filter((line) => line.startsWith("  - "));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems)
      expect(problem).toMatch(
        /^ {2}- (schema\/provenance\.json codexVersion|packages\/protocol-types\/src\/generated\/.* header):/,
      );

    expect(movePins(copy.dir, "9.8.7")).toEqual([]);
    expect(snapshot()).toEqual(after);
  });
});
