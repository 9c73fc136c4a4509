// Every place that names the pinned Codex runtime version must agree with the one source of
// truth: the root package.json field `codexRuntimeVersion`. CI runs this (`pnpm check-pins`);
// `pnpm bump-runtime` moves all of them (scripts/bump/pins.ts, then `pnpm generate-types`).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

// `--root DIR` checks another copy of the repository layout (the tests break pins in a copy).
const rootFlag = process.argv.indexOf("--root");
const root =
  rootFlag === -1 ? path.resolve(import.meta.dirname, "..") : path.resolve(process.argv[rootFlag + 1] ?? ".");
/** The fields of the manifests and config files this check reads. */
interface JsonFile {
  name: string;
  version?: string;
  private?: boolean;
  codexRuntimeVersion?: string;
  codexVersion?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  fixed?: string[][];
}
const readJson = (file: string): JsonFile => JSON.parse(readFileSync(path.join(root, file), "utf8"));

const pinned = readJson("package.json").codexRuntimeVersion;
const problems: string[] = [];
let checked = 0;

function expectPin(where: string, actual: unknown): void {
  checked += 1;
  if (actual !== pinned) problems.push(`${where}: found ${JSON.stringify(actual)}, expected "${pinned}"`);
}

// The development/CI binary.
expectPin("package.json devDependencies[@openai/codex]", readJson("package.json").devDependencies?.["@openai/codex"]);

// The exported schema and the code generated from it.
if (existsSync(path.join(root, "schema/provenance.json"))) {
  expectPin("schema/provenance.json codexVersion", readJson("schema/provenance.json").codexVersion);
} else problems.push("schema/provenance.json is missing: run `pnpm generate-types`");

const generatedDir = path.join(root, "packages/protocol-types/src/generated");
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
for (const file of existsSync(generatedDir) ? walk(generatedDir).filter((f) => f.endsWith(".ts")) : []) {
  const firstLine = readFileSync(file, "utf8").split("\n", 1)[0] ?? "";
  expectPin(`${path.relative(root, file)} header`, firstLine.match(/\(codex ([^)]+)\)/)?.[1]);
}

// No source file names the version: sdk-core's protocol version is generated into
// @codex/protocol-types (checked with the generated headers above), and the SDK's own version and
// @codex/sdk's pinned runtime are bundled from the package manifests checked below.

// The runtime packages and the metapackage's dependency on them.
for (const dir of readdirSync(path.join(root, "packages")).filter((d) => d.startsWith("cli-bin"))) {
  const manifest = readJson(`packages/${dir}/package.json`);
  expectPin(`packages/${dir}/package.json version`, manifest.version);
  for (const [name, range] of Object.entries(manifest.optionalDependencies ?? {})) {
    // `workspace:X.Y.Z` links the workspace package and is published as exactly `X.Y.Z`.
    expectPin(`packages/${dir}/package.json optionalDependencies[${name}]`, range.replace(/^workspace:/, ""));
  }
}
if (existsSync(path.join(root, "packages/sdk/package.json"))) {
  const sdk = readJson("packages/sdk/package.json");
  const range: string | undefined = sdk.dependencies?.["@codex/cli-bin"];
  // PINNED_RUNTIME_VERSION is read from this dependency, so it must name an exact version.
  expectPin("packages/sdk/package.json dependencies[@codex/cli-bin]", range?.replace(/^workspace:/, ""));
  const declared = sdk.codexRuntimeVersion;
  if (declared !== undefined) expectPin("packages/sdk/package.json codexRuntimeVersion", declared);
}

// Every published package moves in lockstep with the runtime: one changesets `fixed` group holds them all.
const fixedGroups: string[][] = readJson(".changeset/config.json").fixed ?? [];
const inGroup = (name: string, group: string[]) =>
  group.some((pattern) => (pattern.endsWith("*") ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
for (const dir of readdirSync(path.join(root, "packages"))) {
  if (!existsSync(path.join(root, "packages", dir, "package.json"))) continue;
  const manifest = readJson(`packages/${dir}/package.json`);
  if (manifest.private) continue;
  // A release publishes every package at the release tag's version, which is the runtime's.
  if (!dir.startsWith("cli-bin")) expectPin(`packages/${dir}/package.json version`, manifest.version);
  checked += 1;
  if (fixedGroups.length !== 1 || !inGroup(manifest.name, fixedGroups[0]!)) {
    problems.push(`${manifest.name}: not in the one changesets "fixed" group of .changeset/config.json`);
  }
}

if (problems.length) {
  console.error(`Runtime pin check failed (source of truth: package.json codexRuntimeVersion = "${pinned}"):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  process.exit(1);
}
console.log(
  `Runtime pins agree (codex ${pinned}): ${checked} checks passed, every published package is in the changesets fixed group.`,
);
