// `pnpm check-pins` (scripts/check-pins.ts), run on a copy of the repository's pinned files: it
// passes on the copy as committed and fails, naming the place, when any one pin disagrees with
// the root `codexRuntimeVersion`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkPins, usePinnedFilesCopy } from "./support/pinned-files-copy.js";

const TIMEOUT = { timeout: 60_000 };
const copy = usePinnedFilesCopy("codex-check-pins-test-");

function edit(file: string, change: (text: string) => string): void {
  const target = path.join(copy.dir, file);
  const before = readFileSync(target, "utf8");
  const after = change(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(target, after);
}

describe("check-pins", () => {
  it("passes on the committed pins", TIMEOUT, () => {
    const { status, output } = checkPins(copy.dir);
    expect(output).toContain("Runtime pins agree");
    expect(status).toBe(0);
  });

  it.each([
    [
      "the @openai/codex devDependency",
      "package.json",
      (t: string) => t.replace(/"@openai\/codex": "[^"]+"/, '"@openai/codex": "0.0.1"'),
      "devDependencies[@openai/codex]",
    ],
    [
      "the schema provenance",
      "schema/provenance.json",
      (t: string) => t.replace(/"codexVersion": "[^"]+"/, '"codexVersion": "0.168.0"'),
      "schema/provenance.json",
    ],
    [
      "a generated header",
      "packages/protocol-types/src/generated/types.gen.ts",
      (t: string) => t.replace(/\(codex [^)]+\)/, "(codex 0.168.0)"),
      "types.gen.ts header",
    ],
    [
      "the metapackage's runtime dependency",
      "packages/sdk/package.json",
      (t: string) => t.replace(/"@codex\/cli-bin": "[^"]+"/, '"@codex/cli-bin": "workspace:0.168.0"'),
      "dependencies[@codex/cli-bin]",
    ],
    [
      "a platform package version",
      "packages/cli-bin-linux-x64/package.json",
      (t: string) => t.replace(/"version": "[^"]+"/, '"version": "0.168.0"'),
      "cli-bin-linux-x64/package.json version",
    ],
    [
      "a cli-bin optional dependency",
      "packages/cli-bin/package.json",
      (t: string) =>
        t.replace(/"@codex\/cli-bin-darwin-arm64": "[^"]+"/, '"@codex/cli-bin-darwin-arm64": "workspace:0.168.0"'),
      "optionalDependencies[@codex/cli-bin-darwin-arm64]",
    ],
    [
      "the changesets fixed group",
      ".changeset/config.json",
      (t: string) => t.replace(/"@codex\/sdk-testing",\s*/, ""),
      "fixed",
    ],
  ])("fails when %s disagrees, naming it", TIMEOUT, (_what, file, change, named) => {
    edit(file, change);
    const { status, output } = checkPins(copy.dir);
    expect(status).toBe(1);
    expect(output).toContain(named);
  });
});
