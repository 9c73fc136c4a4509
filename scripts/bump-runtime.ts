// `pnpm bump-runtime <version|latest>`: moves the repository to another `@openai/codex` release.
//
//   1. moves every hand-kept pin (scripts/bump/pins.ts) to the version, the versions of the
//      published packages included (a release publishes them all at the runtime's version);
//   2. `pnpm install` (the new `@openai/codex` development binary, the lockfile);
//   3. `pnpm generate-types`: re-exports the schema from the new binary, regenerates the types
//      and writes the new entry of schema/CHANGES.md;
//   4. builds, and re-records the transcript fixtures on the new runtime (when a pin moved or
//      they were recorded on another version), then regenerates once more so that the
//      changelog's "Schema vs wire" section reads the new traffic;
//   5. adds a changeset (when the pin moved);
//   6. ends with the checks CI runs on generated code: check-pins, generate-types --check,
//      build, typecheck.
// Run on the version already pinned, it changes nothing.
//
// `pnpm bump-runtime --check` only says whether the registry has a newer runtime than the pin
// (for a scheduled CI job) and exits 0 either way; 1 only when the registry cannot be asked.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { compareVersions } from "../packages/sdk-core/src/api/version.js";
import { movePins, readPinnedRuntime } from "./bump/pins.js";
import { isSemver } from "./staging/versions.js";

const root = path.resolve(import.meta.dirname, "..");
const RUNTIME_PACKAGE = "@openai/codex";
const USAGE = "Usage: pnpm bump-runtime <version|latest> | pnpm bump-runtime --check";

function fail(message: string, code = 1): never {
  console.error(`bump-runtime: ${message}`);
  process.exit(code);
}

/** Runs a command from the repository root, showing its output; stops the bump when it fails. */
function run(argv: string[], what: string): void {
  console.log(`\n── ${what}: ${argv.join(" ")}`);
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: root, stdio: "inherit", env: process.env });
  if (result.status !== 0) {
    fail(
      `${what} failed (${argv.join(" ")} exited with ${result.status ?? result.signal}). Fix it and run the same bump again: the steps before it are done and re-running them changes nothing.`,
    );
  }
}

/** Asks the npm registry, through npm itself, for a field of a package version. */
function npmView(spec: string, field: string): string | undefined {
  const result = spawnSync("npm", ["view", spec, field, "--json"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) {
    if (/E404|No match found/.test(result.stderr)) return undefined;
    fail(`"npm view ${spec} ${field}" failed:\n${result.stderr.trim()}`);
  }
  const text = result.stdout.trim();
  if (!text) return undefined;
  const value = JSON.parse(text) as unknown;
  return typeof value === "string" ? value : Array.isArray(value) ? String(value.at(-1)) : undefined;
}

/** The version the transcript fixtures were recorded with (undefined: none, or mixed). */
function transcriptsVersion(): string | undefined {
  const dir = path.join(root, "packages/sdk-core/test/transcripts/fixtures");
  if (!existsSync(dir)) return undefined;
  const versions = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".jsonl"))) {
    for (const line of readFileSync(path.join(dir, file), "utf8").split("\n")) {
      if (!line.includes('"direction":"meta"')) continue;
      versions.add(String((JSON.parse(line) as { codexVersion?: unknown }).codexVersion));
    }
  }
  return versions.size === 1 ? [...versions][0] : undefined;
}

/** The newest changelog entry's breaking changes, for the changeset. */
function breakingChanges(): string[] {
  const changes = readFileSync(path.join(root, "schema/CHANGES.md"), "utf8");
  const newest = changes.split(/\n(?=## )/).find((part) => part.startsWith("## ")) ?? "";
  const section = /### Breaking for SDK users\n\n([\s\S]*?)(?:\n\n###|$)/.exec(newest)?.[1] ?? "";
  return section.split("\n").filter((line) => line.startsWith("- "));
}

/** `.changeset/codex-runtime-X-Y-Z.md`: every published package, released together. */
function writeChangeset(from: string, to: string): string {
  const config = JSON.parse(readFileSync(path.join(root, ".changeset/config.json"), "utf8")) as { fixed?: string[][] };
  const packages = readdirSync(path.join(root, "packages"))
    .map((dir) => path.join(root, "packages", dir, "package.json"))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, "utf8")) as { name: string; private?: boolean })
    .filter(
      (manifest) =>
        !manifest.private &&
        (config.fixed?.[0] ?? []).some((pattern) =>
          pattern.endsWith("*") ? manifest.name.startsWith(pattern.slice(0, -1)) : manifest.name === pattern,
        ),
    )
    .map((manifest) => manifest.name)
    .sort();
  const breaking = breakingChanges();
  const body = [
    "---",
    ...packages.map((name) => `"${name}": minor`),
    "---",
    "",
    `Runtime: codex ${to} (was ${from}). The protocol changes are listed in \`schema/CHANGES.md\`.`,
    ...(breaking.length > 0 ? ["", "Breaking for SDK users:", "", ...breaking] : []),
    "",
  ].join("\n");
  const file = path.join(".changeset", `codex-runtime-${to.replace(/[^0-9A-Za-z]+/g, "-")}.md`);
  writeFileSync(path.join(root, file), body);
  return file;
}

let values: { check: boolean };
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    options: { check: { type: "boolean", default: false } },
    allowPositionals: true,
    strict: true,
  }));
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
}

const pinned = readPinnedRuntime(root);

if (values.check) {
  const latest =
    npmView(RUNTIME_PACKAGE, "dist-tags.latest") ?? fail(`the registry has no "latest" tag for ${RUNTIME_PACKAGE}.`);
  if (compareVersions(latest, pinned) > 0) {
    console.log(
      `A newer codex runtime is published: ${RUNTIME_PACKAGE}@${latest} (pinned: ${pinned}). Run "pnpm bump-runtime ${latest}".`,
    );
  } else {
    console.log(`The pinned codex runtime ${pinned} is the newest published (${RUNTIME_PACKAGE} latest: ${latest}).`);
  }
  process.exit(0);
}

if (positionals.length !== 1) fail(USAGE, 2);
const requested = positionals[0]!;
const version =
  requested === "latest"
    ? (npmView(RUNTIME_PACKAGE, "dist-tags.latest") ?? fail(`the registry has no "latest" tag for ${RUNTIME_PACKAGE}.`))
    : requested;
if (!isSemver(version)) fail(`"${requested}" is not a version (X.Y.Z or X.Y.Z-alpha.N) or "latest".\n${USAGE}`, 2);
if (version !== pinned && npmView(`${RUNTIME_PACKAGE}@${version}`, "version") !== version) {
  fail(
    `${RUNTIME_PACKAGE}@${version} is not published. "npm view ${RUNTIME_PACKAGE} versions" lists the published ones.`,
  );
}

const started = Date.now();
console.log(`bump-runtime: codex ${pinned} → ${version}`);
const moved = movePins(root, version);
for (const change of moved) console.log(`  ${change.file} ${change.where}: ${change.from} → ${change.to}`);
if (moved.length === 0) console.log("  every pin already names this version");

run(["pnpm", "install"], "install");
run(["pnpm", "--silent", "run", "generate-types"], "schema and types");
// The fixtures record the server's version and the SDK's own (clientInfo): both moved.
if (moved.length > 0 || transcriptsVersion() !== version) {
  // The recorder runs the SDK's built packages against the new binary.
  run(["pnpm", "exec", "turbo", "run", "build", "--output-logs=errors-only"], "build");
  run(
    ["pnpm", "--filter", "@codex/sdk-core", "exec", "tsx", "test/transcripts/record.ts"],
    "re-record the transcripts",
  );
  run(["pnpm", "--silent", "run", "generate-types"], "changelog: schema vs wire");
}
if (version !== pinned) console.log(`\n── changeset: ${writeChangeset(pinned, version)}`);

run(["pnpm", "--silent", "run", "check-pins"], "pins");
run(["pnpm", "--silent", "run", "generate-types", "--check"], "generated code");
run(["pnpm", "exec", "turbo", "run", "build", "typecheck", "--output-logs=errors-only"], "build and typecheck");

console.log(
  `\nbump-runtime: codex ${version} in ${((Date.now() - started) / 1000).toFixed(0)} s. ` +
    `Review the newest entry of schema/CHANGES.md, then run "pnpm test" and commit.`,
);
