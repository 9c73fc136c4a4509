// The generator's core: schema text in, every committed artifact out (as a path -> content map),
// plus writing them to a tree or comparing them with it. The CLI (scripts/generate-types.ts)
// and the tests both call these functions with an explicit root directory.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { buildChangelog, type SchemaHole, type SchemaSnapshot } from "./changelog.js";
import { compileDefinitions } from "./compile-types.js";
import {
  checkTablesUsed,
  emitMethodsModule,
  generatedHeader,
  methodReport,
  resolveMethods,
  schemaHoles,
  type Direction,
  type ResolvedSurface,
} from "./method-maps.js";
import { preprocessDefinitions, type PreprocessSummary } from "./preprocess.js";
import { BUNDLE_FILE, exportSchema, type ExportedSchema } from "./schema-export.js";
import { compareNames, flattenBundle, type Definitions } from "./schema-model.js";
import { TRANSCRIPTS_DIR, wireFidelitySection, type TranscriptFile } from "./wire-fidelity.js";

/** Where the committed schema lives, relative to the repository root. */
export const SCHEMA_DIR = "schema";
/** Where the generated TypeScript lives, relative to the repository root. */
export const GENERATED_DIR = "packages/protocol-types/src/generated";

/** The two schema surfaces and the subdirectory each one uses (in `schema/` and in `generated/`). */
const SURFACES = [
  { name: "stable", subdir: "" },
  { name: "experimental", subdir: "experimental" },
] as const;

/** The protocol changelog, relative to the repository root. */
export const CHANGELOG_FILE = `${SCHEMA_DIR}/CHANGES.md`;

/** Repository-relative path (always with `/`) -> file content. */
export type GeneratedFiles = Map<string, string>;

/** What the tree held before this run: the committed schema and changelog, when present. */
export interface PreviousState {
  /** The committed schema (undefined when the tree has none). */
  schema: ExportedSchema | undefined;
  /** The committed `schema/CHANGES.md`. */
  changelog: string | undefined;
}

/** Extra inputs of the changelog that do not come from the schema. */
export interface GenerateOptions {
  /**
   * Recorded real-server traffic (the sdk-core transcript fixtures), compared with the schema
   * for the changelog's "Schema vs wire" section. Undefined: the section is left out.
   */
  transcripts?: readonly TranscriptFile[] | undefined;
}

/**
 * Builds every artifact from exported schema text: the two bundles, `schema/provenance.json`,
 * `schema/CHANGES.md` (against `previous`), and per surface `types.gen.ts`, `methods.gen.ts`
 * and `report.json`.
 */
export async function generateFiles(
  schema: ExportedSchema,
  previous: PreviousState = { schema: undefined, changelog: undefined },
  options: GenerateOptions = {},
): Promise<GeneratedFiles> {
  const files: GeneratedFiles = new Map();
  const provenance: { codexVersion: string; files: Record<string, string> } = {
    codexVersion: schema.codexVersion,
    files: {},
  };
  const surfaces: { definitions: Definitions; resolved: ResolvedSurface }[] = [];

  for (const surface of SURFACES) {
    const bundle = schema[surface.name];
    const schemaPath = joinPosix(surface.subdir, BUNDLE_FILE);
    files.set(joinPosix(SCHEMA_DIR, schemaPath), bundle);
    provenance.files[schemaPath] = createHash("sha256").update(bundle).digest("hex");

    const raw = flattenBundle(bundle);
    const resolved = resolveMethods(raw);
    surfaces.push({ definitions: raw, resolved });
    const { definitions, summary } = preprocessDefinitions(raw);
    const types = await compileDefinitions(definitions);

    const outDir = joinPosix(GENERATED_DIR, surface.subdir);
    files.set(joinPosix(outDir, "types.gen.ts"), `${generatedHeader(schema.codexVersion)}\n\n${types}\n`);
    files.set(joinPosix(outDir, "methods.gen.ts"), emitMethodsModule(resolved.maps, schema.codexVersion));
    files.set(joinPosix(outDir, "report.json"), reportJson(schema.codexVersion, surface.name, raw, resolved, summary));
  }
  checkTablesUsed(surfaces);
  files.set(joinPosix(SCHEMA_DIR, "provenance.json"), `${JSON.stringify(provenance, null, 2)}\n`);
  const experimental = surfaces[1]!;
  const wireSection =
    options.transcripts === undefined
      ? undefined
      : await wireFidelitySection(options.transcripts, experimental.definitions, experimental.resolved.maps);
  files.set(CHANGELOG_FILE, changelog(schema, surfaces, previous, wireSection));
  return new Map([...files].sort(([a], [b]) => compareNames(a, b)));
}

function snapshot(schema: ExportedSchema): SchemaSnapshot {
  return {
    codexVersion: schema.codexVersion,
    stable: { definitions: flattenBundle(schema.stable) },
    experimental: { definitions: flattenBundle(schema.experimental) },
  };
}

function changelog(
  schema: ExportedSchema,
  surfaces: readonly { definitions: Definitions; resolved: ResolvedSurface }[],
  previous: PreviousState,
  wireSection: string | undefined,
): string {
  const [stable, experimental] = surfaces;
  const stableHoles = new Set(schemaHoles(stable!.resolved.maps));
  const holes: SchemaHole[] = schemaHoles(experimental!.resolved.maps).map((key) => {
    const [direction, ...method] = key.split(":");
    return { direction: direction as Direction, method: method.join(":"), experimentalOnly: !stableHoles.has(key) };
  });
  const before = previous.schema;
  const unchanged =
    before !== undefined &&
    before.codexVersion === schema.codexVersion &&
    before.stable === schema.stable &&
    before.experimental === schema.experimental;
  // A committed schema that no longer parses (edited by hand, half-written) must not stop
  // regeneration: the new entry says so instead of comparing.
  let previousSnapshot: SchemaSnapshot | undefined;
  let previousUnreadable: string | undefined;
  try {
    previousSnapshot = before && !unchanged ? snapshot(before) : undefined;
  } catch (error) {
    previousUnreadable = error instanceof Error ? error.message : String(error);
  }
  return buildChangelog({
    previous: previousSnapshot,
    previousUnreadable,
    unchanged,
    current: {
      codexVersion: schema.codexVersion,
      stable: { definitions: stable!.definitions },
      experimental: { definitions: experimental!.definitions },
    },
    existing: previous.changelog,
    holes,
    wire: wireSection,
  });
}

function reportJson(
  codexVersion: string,
  surface: string,
  definitions: Definitions,
  resolved: ResolvedSurface,
  summary: PreprocessSummary,
): string {
  const report = {
    generatedBy: "scripts/generate-types.ts",
    codexVersion,
    surface,
    definitions: Object.keys(definitions).length,
    methods: Object.fromEntries(
      Object.entries(resolved.maps).map(([direction, entries]) => [direction, entries.length]),
    ),
    preprocess: summary,
    schemaHoles: schemaHoles(resolved.maps),
    ...methodReport(resolved.maps),
  };
  return `${formatReport(report, "")}\n`;
}

/**
 * JSON with one line per method (an object whose values are all scalars stays on one line),
 * so that a changed params or result name shows up as a one-line diff.
 */
function formatReport(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((item) => `${indent}  ${formatReport(item, `${indent}  `)}`).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    if (entries.every(([, item]) => typeof item !== "object" || item === null)) {
      return `{ ${entries.map(([key, item]) => `${JSON.stringify(key)}: ${JSON.stringify(item)}`).join(", ")} }`;
    }
    return `{\n${entries.map(([key, item]) => `${indent}  ${JSON.stringify(key)}: ${formatReport(item, `${indent}  `)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function joinPosix(...parts: string[]): string {
  return parts.filter(Boolean).join("/");
}

/** Reads `codexRuntimeVersion` from the root package.json. */
export async function readPinnedVersion(rootDir: string): Promise<string> {
  const packageJson = JSON.parse(await readFile(path.join(rootDir, "package.json"), "utf8")) as {
    codexRuntimeVersion?: unknown;
  };
  const version = packageJson.codexRuntimeVersion;
  if (typeof version !== "string" || !version)
    throw new Error(`${path.join(rootDir, "package.json")} has no "codexRuntimeVersion" field.`);
  return version;
}

/** Reads the schema and changelog committed in `rootDir` (what a new export is compared with). */
export async function readPreviousState(rootDir: string): Promise<PreviousState> {
  const read = (relative: string) =>
    readFile(path.join(rootDir, relative), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
  const [provenanceText, stable, experimental, changelog] = await Promise.all([
    read(joinPosix(SCHEMA_DIR, "provenance.json")),
    read(joinPosix(SCHEMA_DIR, BUNDLE_FILE)),
    read(joinPosix(SCHEMA_DIR, "experimental", BUNDLE_FILE)),
    read(CHANGELOG_FILE),
  ]);
  const codexVersion =
    provenanceText === undefined ? undefined : (JSON.parse(provenanceText) as { codexVersion?: unknown }).codexVersion;
  const schema =
    typeof codexVersion === "string" && stable !== undefined && experimental !== undefined
      ? { codexVersion, stable, experimental }
      : undefined;
  return { schema, changelog };
}

/**
 * Exports the schema from `codexBin` (checked against the pin) and builds every artifact, the
 * changelog compared with the schema committed in `rootDir`.
 */
export async function generateFromBinary(rootDir: string, codexBin: string): Promise<GeneratedFiles> {
  const schema = await exportSchema(codexBin, await readPinnedVersion(rootDir));
  return generateFiles(schema, await readPreviousState(rootDir), { transcripts: await readTranscripts(rootDir) });
}

/** The recorded transcripts under `rootDir` (none when the directory is missing). */
export async function readTranscripts(rootDir: string): Promise<TranscriptFile[]> {
  const dir = path.join(rootDir, TRANSCRIPTS_DIR);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  const files: TranscriptFile[] = [];
  for (const name of names.filter((entry) => entry.endsWith(".jsonl")).sort(compareNames)) {
    files.push({ name, text: await readFile(path.join(dir, name), "utf8") });
  }
  return files;
}

/** Differences between the generated artifacts and a tree. */
export interface CheckResult {
  /** Files whose committed content differs from the generated content. */
  stale: string[];
  /** Generated files that are not committed. */
  missing: string[];
  /** Files in the generated directories that the generator does not produce. */
  extra: string[];
}

/** True when the tree holds exactly the generated artifacts. */
export function isClean(result: CheckResult): boolean {
  return result.stale.length === 0 && result.missing.length === 0 && result.extra.length === 0;
}

/** Compares `files` with what `rootDir` holds, without writing anything. */
export async function compareWithTree(rootDir: string, files: GeneratedFiles): Promise<CheckResult> {
  const result: CheckResult = { stale: [], missing: [], extra: [] };
  for (const [relative, content] of files) {
    const existing = await readFile(path.join(rootDir, relative), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
    if (existing === undefined) result.missing.push(relative);
    else if (existing !== content) result.stale.push(relative);
  }
  for (const relative of await listManagedFiles(rootDir)) {
    if (!files.has(relative)) result.extra.push(relative);
  }
  return result;
}

/** Writes `files` into `rootDir` and deletes files in the managed directories it no longer produces. */
export async function writeToTree(rootDir: string, files: GeneratedFiles): Promise<CheckResult> {
  const before = await compareWithTree(rootDir, files);
  for (const relative of before.extra) await rm(path.join(rootDir, relative));
  for (const [relative, content] of files) {
    const target = path.join(rootDir, relative);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return before;
}

/** A readable summary of a check, with the command that fixes it. */
export function formatCheckResult(result: CheckResult): string {
  if (isClean(result)) return "Generated types and schema are up to date.";
  const lines = ["Generated files are out of date with the pinned codex runtime:"];
  for (const file of result.stale) lines.push(`  changed: ${file}`);
  for (const file of result.missing) lines.push(`  missing: ${file}`);
  for (const file of result.extra) lines.push(`  not generated (would be deleted): ${file}`);
  lines.push(
    'Run "pnpm generate-types" and commit the result. Never edit these files by hand: fix scripts/codegen/ instead.',
  );
  return lines.join("\n");
}

/** Every file under the directories the generator owns (the schema and the generated code). */
async function listManagedFiles(rootDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of [SCHEMA_DIR, GENERATED_DIR]) {
    const entries = await readdir(path.join(rootDir, dir), { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [];
        throw error;
      },
    );
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      // `parentPath` is the Node 20.12+ name; `path` is the older, deprecated one.
      const parent = (entry as { parentPath?: string }).parentPath ?? (entry as unknown as { path: string }).path;
      found.push(path.relative(rootDir, path.join(parent, entry.name)).split(path.sep).join("/"));
    }
  }
  return found.sort(compareNames);
}
