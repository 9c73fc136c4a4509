// Moving every pin of the codex runtime to one version: the places `pnpm check-pins` checks that
// are kept by hand in manifests (the schema, its provenance and the generated headers are
// rewritten by `pnpm generate-types`). Works on any copy of the repository layout.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";

type Json = { [key: string]: unknown };

/** One value the move changed. */
export interface PinChange {
  /** Repository-relative file. */
  file: string;
  /** Where in the file (`devDependencies[@openai/codex]`). */
  where: string;
  from: string;
  to: string;
}

/** The runtime version pinned at `root` (the root package.json's `codexRuntimeVersion`). */
export function readPinnedRuntime(root: string): string {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as Json;
  const version = manifest["codexRuntimeVersion"];
  if (typeof version !== "string") throw new Error(`${path.join(root, "package.json")} has no "codexRuntimeVersion".`);
  return version;
}

/**
 * Sets every hand-kept pin under `root` to `version` and returns what changed (nothing when they
 * already agree). Manifests keep their formatting: only the changed values are rewritten.
 */
export function movePins(root: string, version: string): PinChange[] {
  const changes: PinChange[] = [];
  const pin = (
    file: string,
    edit: (manifest: Json, set: (where: string, object: Json, key: string, value: string) => void) => void,
  ) => {
    const target = path.join(root, file);
    if (!existsSync(target)) return;
    const text = readFileSync(target, "utf8");
    const manifest = JSON.parse(text) as Json;
    const edits: { key: string; from: string; to: string }[] = [];
    edit(manifest, (where, object, key, value) => {
      const from = object[key];
      if (typeof from !== "string" || from === value) return;
      object[key] = value;
      edits.push({ key, from, to: value });
      changes.push({ file, where, from, to: value });
    });
    if (edits.length > 0) writeFileSync(target, rewriteJson(text, manifest, edits));
  };

  pin("package.json", (manifest, set) => {
    set("codexRuntimeVersion", manifest, "codexRuntimeVersion", version);
    const dev = manifest["devDependencies"] as Json | undefined;
    if (dev) set("devDependencies[@openai/codex]", dev, "@openai/codex", version);
  });

  const packagesDir = path.join(root, "packages");
  const runtimeDirs = existsSync(packagesDir)
    ? readdirSync(packagesDir)
        .filter((dir) => dir.startsWith("cli-bin"))
        .sort()
    : [];
  for (const dir of runtimeDirs) {
    pin(`packages/${dir}/package.json`, (manifest, set) => {
      set("version", manifest, "version", version);
      const optional = manifest["optionalDependencies"] as Json | undefined;
      for (const name of Object.keys(optional ?? {})) {
        const range = optional![name];
        // `workspace:X.Y.Z` links the workspace package and is published as exactly `X.Y.Z`.
        if (typeof range === "string" && range.startsWith("workspace:") && range !== "workspace:*") {
          set(`optionalDependencies[${name}]`, optional!, name, `workspace:${version}`);
        }
      }
    });
  }

  // Every published package is released at the runtime's version (one changesets fixed group,
  // one release tag): the SDK packages move with the runtime packages.
  const sdkDirs = existsSync(packagesDir)
    ? readdirSync(packagesDir)
        .filter((dir) => !dir.startsWith("cli-bin") && existsSync(path.join(packagesDir, dir, "package.json")))
        .sort()
    : [];
  for (const dir of sdkDirs) {
    pin(`packages/${dir}/package.json`, (manifest, set) => {
      if (manifest["private"] !== true) set("version", manifest, "version", version);
    });
  }

  pin("packages/sdk/package.json", (manifest, set) => {
    const dependencies = manifest["dependencies"] as Json | undefined;
    const range = dependencies?.["@codex/cli-bin"];
    if (typeof range === "string" && range !== "workspace:*") {
      set(
        "dependencies[@codex/cli-bin]",
        dependencies!,
        "@codex/cli-bin",
        range.startsWith("workspace:") ? `workspace:${version}` : version,
      );
    }
    if (typeof manifest["codexRuntimeVersion"] === "string")
      set("codexRuntimeVersion", manifest, "codexRuntimeVersion", version);
  });

  return changes;
}

/**
 * Rewrites only the changed string values of a manifest, so its layout (inline arrays, key
 * order) stays as it was. Falls back to a full re-serialisation if a value cannot be found
 * exactly once; the result always parses to `expected`.
 */
function rewriteJson(
  text: string,
  expected: Json,
  edits: readonly { key: string; from: string; to: string }[],
): string {
  let result = text;
  for (const { key, from, to } of edits) {
    const needle = `${JSON.stringify(key)}: ${JSON.stringify(from)}`;
    const at = result.indexOf(needle);
    if (at < 0 || result.indexOf(needle, at + 1) >= 0) return `${JSON.stringify(expected, null, 2)}\n`;
    result = `${result.slice(0, at)}${JSON.stringify(key)}: ${JSON.stringify(to)}${result.slice(at + needle.length)}`;
  }
  return isDeepStrictEqual(JSON.parse(result), expected) ? result : `${JSON.stringify(expected, null, 2)}\n`;
}
