// The staging directory is wiped before every run, so the command guards it: it must not
// overlap any directory it reads from, and it must be empty, new, or an earlier staging output.
import { existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { StageError } from "./stage-error.js";

/** A directory the command reads from, named for messages. */
export interface SourceDir {
  label: string;
  dir: string;
}

/** The real path of `dir`, also when it (or part of it) does not exist yet: symlinks above it are resolved. */
export function realPathOf(dir: string): string {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let existing = absolute;
  while (!existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    missing.unshift(path.basename(existing));
    existing = parent;
  }
  return path.join(realpathSync(existing), ...missing);
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Refuses a staging directory that overlaps a source: the same directory, one inside the other,
 * either way. Wiping it would delete the sources, and copying into it would copy it into itself.
 */
export function assertNoOverlap(stagingDir: string, sources: readonly SourceDir[]): void {
  const staging = realPathOf(stagingDir);
  for (const { label, dir } of sources) {
    const source = realPathOf(dir);
    if (isInside(staging, source) || isInside(source, staging)) {
      throw new StageError(
        `The staging directory ${staging} overlaps the ${label} (${source}): it is wiped before staging. Stage into a directory outside it, e.g. under ${os.tmpdir()}.`,
      );
    }
  }
}

/** A package.json that says "this directory was staged by this command before". */
function isEarlierStagingOutput(dir: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
    return typeof manifest.name === "string" && manifest.name.startsWith("@codex/");
  } catch {
    return false;
  }
}

/**
 * Empties `dir` (creating it if needed) so nothing from an earlier run survives. Refuses a
 * file-system root, the home directory, and a non-empty directory that is not an earlier staging
 * output: a mistyped path must not cost someone their files.
 */
export async function wipeStagingDir(dir: string): Promise<string> {
  const target = realPathOf(dir);
  if (path.dirname(target) === target || target === realPathOf(os.homedir())) {
    throw new StageError(
      `Refusing to stage into ${target}: give a dedicated directory, e.g. ${path.join(os.tmpdir(), "codex-release", "sdk")}.`,
    );
  }
  if (existsSync(target)) {
    const entries = readdirSync(target);
    if (entries.length > 0 && !isEarlierStagingOutput(target)) {
      throw new StageError(
        `Refusing to wipe ${target}: it is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}) and holds no staged @codex package. Give a new or empty directory.`,
      );
    }
    await rm(target, { recursive: true, force: true });
  }
  await mkdir(target, { recursive: true });
  return target;
}
