import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "../../staging/stage-error.js";
import { assertNoOverlap, wipeStagingDir } from "../../staging/staging-dir.js";

let temp: string;
beforeEach(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-staging-dir-test-"));
});
afterEach(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe("assertNoOverlap", () => {
  it("refuses a staging directory equal to, inside, or around a source", () => {
    const source = path.join(temp, "packages", "sdk-core");
    mkdirSync(source, { recursive: true });
    const sources = [{ label: "@codex/sdk-core sources", dir: source }];
    for (const staging of [source, path.join(source, "dist"), path.join(temp, "packages"), temp]) {
      expect(() => assertNoOverlap(staging, sources)).toThrow(StageError);
    }
    expect(() => assertNoOverlap(path.join(source, "dist"), sources)).toThrow(/overlaps the @codex\/sdk-core sources/);
    expect(() => assertNoOverlap(path.join(temp, "stage", "sdk-core"), sources)).not.toThrow();
    // A sibling whose name starts like the source is not inside it.
    expect(() => assertNoOverlap(path.join(temp, "packages", "sdk-core-staged"), sources)).not.toThrow();
  });

  it("sees through symlinks, also to directories that do not exist yet", () => {
    const source = path.join(temp, "source");
    mkdirSync(source);
    symlinkSync(source, path.join(temp, "alias"));
    expect(() => assertNoOverlap(path.join(temp, "alias", "new", "dir"), [{ label: "source", dir: source }])).toThrow(
      StageError,
    );
  });
});

describe("wipeStagingDir", () => {
  it("creates a new directory", async () => {
    const dir = path.join(temp, "new", "package");
    await wipeStagingDir(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("wipes an earlier staging output, so nothing stale survives", async () => {
    const dir = path.join(temp, "staged");
    mkdirSync(path.join(dir, "dist"), { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@codex/sdk-core", version: "0.1.0" }));
    writeFileSync(path.join(dir, "dist", "stale.js"), "");
    await wipeStagingDir(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses to wipe a directory that is not a staging output", async () => {
    const dir = path.join(temp, "somebody's files");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "thesis.tex"), "");
    await expect(wipeStagingDir(dir)).rejects.toThrow(/Refusing to wipe .*thesis\.tex/);
    expect(existsSync(path.join(dir, "thesis.tex"))).toBe(true);
  });

  it("refuses the file-system root and the home directory", async () => {
    await expect(wipeStagingDir(path.parse(temp).root)).rejects.toThrow(StageError);
    await expect(wipeStagingDir(os.homedir())).rejects.toThrow(StageError);
  });
});
