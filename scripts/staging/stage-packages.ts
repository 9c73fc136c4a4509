// Writes publishable package directories: the JavaScript packages from their built `dist/`,
// `@codex/cli-bin` from its manifest, and one `@codex/cli-bin-<platform>` from a codex binary.
// Every `workspace:` range becomes the exact version being released, so the staged packages
// install from their tarballs alone.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { chmod, copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  findRuntimePlatform,
  RUNTIME_PACKAGE_NAME,
  RUNTIME_PLATFORMS,
  type RuntimePlatform,
} from "../../packages/sdk-core/src/process/runtime-platforms.js";
import { parseCodexVersionOutput } from "../../packages/sdk-core/src/process/codex-version.js";
import { buildJavaScript } from "../build/javascript.js";
import { classifyBinaryFile } from "./binary-format.js";
import { assertNoOverlap, wipeStagingDir } from "./staging-dir.js";
import { StageError } from "./stage-error.js";

/** A package.json, as far as staging reads and writes it. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  [field: string]: unknown;
}

/** One file the command wrote. */
export interface StagedFile {
  path: string;
  size: number;
}

/** What one staging step wrote. */
export interface StagedPackage {
  name: string;
  version: string;
  dir: string;
  files: StagedFile[];
  /** Things worth telling the maintainer (e.g. what was not verified). */
  notes: string[];
}

/** The versions a release writes: the SDK packages' and the runtime's. */
export interface ReleaseVersions {
  sdkVersion?: string | undefined;
  runtimeVersion?: string | undefined;
}

/** The workspace packages that are published from their built JavaScript. */
export const JS_PACKAGES = {
  "protocol-types": "packages/protocol-types",
  "sdk-core": "packages/sdk-core",
  sdk: "packages/sdk",
  "sdk-testing": "packages/sdk-testing",
} as const;

/** Directory, in the repository, of a runtime package's manifest. */
export function runtimeManifestDir(repoRoot: string, packageName: string): string {
  return path.join(repoRoot, "packages", packageName.replace(/^@codex\//, ""));
}

export function readManifest(dir: string): PackageManifest {
  const file = path.join(dir, "package.json");
  if (!existsSync(file)) throw new StageError(`${file} does not exist.`);
  return JSON.parse(readFileSync(file, "utf8")) as PackageManifest;
}

async function writeManifest(dir: string, manifest: PackageManifest): Promise<void> {
  await writeFile(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The exact version a dependency on `name` gets: the runtime's for the runtime packages, the SDK's for the rest. */
function releasedVersionOf(name: string, versions: ReleaseVersions, dependent: string): string {
  const isRuntime = name === RUNTIME_PACKAGE_NAME || name.startsWith(`${RUNTIME_PACKAGE_NAME}-`);
  const version = isRuntime ? versions.runtimeVersion : versions.sdkVersion;
  if (version === undefined) {
    throw new StageError(
      `${dependent} depends on ${name}: staging it needs ${isRuntime ? "--runtime-version" : "--sdk-version"}.`,
    );
  }
  return version;
}

/**
 * Rewrites every dependency range of `manifest` for publishing: a `workspace:` range on one of
 * our packages becomes the exact version being released. Any other range on our packages must
 * already be that exact version, and a range that cannot be published (`workspace:`, `link:`,
 * `file:`) on anything else is refused.
 */
export function publishableDependencies(
  manifest: PackageManifest,
  versions: ReleaseVersions,
): Partial<PackageManifest> {
  const result: Partial<PackageManifest> = {};
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    const ranges = manifest[field];
    if (ranges === undefined) continue;
    result[field] = Object.fromEntries(
      Object.entries(ranges).map(([name, range]) => {
        if (name.startsWith("@codex/")) {
          const released = releasedVersionOf(name, versions, manifest.name);
          if (range.startsWith("workspace:") || range === released) return [name, released];
          throw new StageError(
            `${manifest.name} ${field}["${name}"] is "${range}", but the release stages ${name}@${released}: use "workspace:*".`,
          );
        }
        if (/^(workspace|link|file|portal):/.test(range)) {
          throw new StageError(`${manifest.name} ${field}["${name}"] is "${range}", which cannot be published.`);
        }
        return [name, range];
      }),
    );
  }
  return result;
}

/** Lists what was written under `dir`, with sizes. */
export function listFiles(dir: string, prefix = ""): StagedFile[] {
  const files: StagedFile[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(dir, relative));
    else files.push({ path: relative, size: statSync(path.join(dir, relative)).size });
  }
  return files;
}

/** Copies the entries of `files` (plus README.md and LICENSE, which npm always ships) from `from` to `to`. */
async function copyPackageFiles(from: string, to: string, files: readonly string[], name: string): Promise<void> {
  for (const entry of new Set([...files, "README.md", "LICENSE"])) {
    const source = path.join(from, entry);
    if (!existsSync(source)) {
      if (entry === "README.md" || entry === "LICENSE") continue;
      throw new StageError(
        `${name}: "${entry}" (listed in "files") does not exist in ${from}. Build the package first (pnpm build).`,
      );
    }
    await cp(source, path.join(to, entry), { recursive: true, preserveTimestamps: true });
  }
}

/**
 * Stages the package in `sourceDir` at `version`: the files its `files` field lists, and a
 * package.json with exact versions for our own dependencies and without `scripts` and
 * `devDependencies`.
 */
async function stageManifestPackage(
  sourceDir: string,
  stagingDir: string,
  version: string,
  versions: ReleaseVersions,
): Promise<StagedPackage> {
  const manifest = readManifest(sourceDir);
  if (manifest.private) throw new StageError(`${manifest.name} is private and cannot be published.`);
  if (!manifest.files?.length)
    throw new StageError(`${manifest.name} has no "files" field: refusing to publish everything in ${sourceDir}.`);
  const dependencies = publishableDependencies(manifest, versions);
  assertNoOverlap(stagingDir, [{ label: `${manifest.name} sources`, dir: sourceDir }]);
  const dir = await wipeStagingDir(stagingDir);
  await copyPackageFiles(sourceDir, dir, manifest.files, manifest.name);
  const { scripts: _scripts, devDependencies: _devDependencies, ...rest } = manifest;
  await writeManifest(dir, { ...rest, version, ...dependencies });
  return { name: manifest.name, version, dir, files: listFiles(dir), notes: [] };
}

/** Options of {@link stageJsPackage}. */
export interface StageJsPackageOptions extends ReleaseVersions {
  repoRoot: string;
  /** Key of {@link JS_PACKAGES}. */
  package: keyof typeof JS_PACKAGES;
  stagingDir: string;
}

/**
 * Stages one JavaScript package from its built `dist/` at `sdkVersion`. Its JavaScript is then
 * bundled again from the sources against the staged manifest: what the code reads from its own
 * package.json (the SDK's `clientInfo.version`, the pinned runtime) is then the published version.
 */
export async function stageJsPackage(options: StageJsPackageOptions): Promise<StagedPackage> {
  if (options.sdkVersion === undefined)
    throw new StageError(`Staging ${JS_PACKAGES[options.package]} needs --sdk-version.`);
  const sourceDir = path.join(options.repoRoot, JS_PACKAGES[options.package]);
  const staged = await stageManifestPackage(sourceDir, options.stagingDir, options.sdkVersion, options);
  if (readManifest(sourceDir)["exports"] !== undefined) {
    await buildJavaScript(sourceDir, path.join(staged.dir, "dist"), readManifest(staged.dir));
    staged.files = listFiles(staged.dir);
  }
  return staged;
}

/**
 * The runtime version `@codex/sdk` is built for: the exact version of `@codex/cli-bin` its
 * package.json depends on (its code reads `PINNED_RUNTIME_VERSION` from there).
 */
export function sdkPinnedRuntimeVersion(repoRoot: string): string {
  const file = path.join(repoRoot, "packages/sdk/package.json");
  const range = readManifest(path.dirname(file)).dependencies?.[RUNTIME_PACKAGE_NAME];
  if (range === undefined) throw new StageError(`${file} does not depend on ${RUNTIME_PACKAGE_NAME}.`);
  return range.replace(/^workspace:/, "");
}

/**
 * Stages `@codex/sdk`, the metapackage: pinned to exactly `@codex/sdk-core@sdkVersion` and
 * `@codex/cli-bin@runtimeVersion`. Refuses a runtime version other than the one compiled into its
 * code: its start-up check and its dependency would then disagree.
 */
export async function stageSdk(options: Omit<StageJsPackageOptions, "package">): Promise<StagedPackage> {
  const pinned = sdkPinnedRuntimeVersion(options.repoRoot);
  if (options.runtimeVersion === undefined) throw new StageError("stage-sdk needs --runtime-version.");
  if (options.runtimeVersion !== pinned) {
    throw new StageError(
      `--runtime-version ${options.runtimeVersion} differs from the runtime @codex/sdk is built for, ${pinned} (its dependency on ${RUNTIME_PACKAGE_NAME} in packages/sdk/package.json). ` +
        `Move the pin with "pnpm bump-runtime ${options.runtimeVersion}" before releasing against another runtime.`,
    );
  }
  const staged = await stageJsPackage({ ...options, package: "sdk" });
  const manifest = readManifest(staged.dir);
  for (const name of ["@codex/sdk-core", RUNTIME_PACKAGE_NAME]) {
    if (manifest.dependencies?.[name] === undefined)
      throw new StageError(`@codex/sdk must depend on ${name}; packages/sdk/package.json does not.`);
  }
  return staged;
}

/**
 * Stages `@codex/cli-bin`: its small locator module and one exact optional dependency per
 * platform package, all at `runtimeVersion`. Its manifest must list exactly the platforms the SDK
 * knows.
 */
export async function stageCliBin(options: {
  repoRoot: string;
  stagingDir: string;
  runtimeVersion: string | undefined;
}): Promise<StagedPackage> {
  const sourceDir = runtimeManifestDir(options.repoRoot, RUNTIME_PACKAGE_NAME);
  const manifest = readManifest(sourceDir);
  const listed = Object.keys(manifest.optionalDependencies ?? {}).sort();
  const known = RUNTIME_PLATFORMS.map((platform) => platform.packageName).sort();
  if (listed.join() !== known.join()) {
    throw new StageError(
      `${RUNTIME_PACKAGE_NAME}'s optionalDependencies (${listed.join(", ")}) must be exactly the runtime platforms (${known.join(", ")}).`,
    );
  }
  if (options.runtimeVersion === undefined) throw new StageError("stage-cli-bin needs --runtime-version.");
  return stageManifestPackage(sourceDir, options.stagingDir, options.runtimeVersion, {
    runtimeVersion: options.runtimeVersion,
  });
}

/** `codex-package.json`: codex's own manifest of its install layout. */
interface LayoutManifest {
  layoutVersion?: number;
  version?: string;
  target?: string;
  variant?: string;
  entrypoint?: string;
  resourcesDir?: string;
  pathDir?: string;
}

/** Where a runtime comes from: a layout directory (bin/, codex-path/, ...) or a lone binary. */
interface RuntimeSource {
  /** The directory holding `codex-package.json`, `bin/`, ...; undefined for a lone binary. */
  layoutDir: string | undefined;
  layout: LayoutManifest | undefined;
  /** The codex executable. */
  binary: string;
}

const LAYOUT_MANIFEST = "codex-package.json";

function readLayout(dir: string): LayoutManifest | undefined {
  const file = path.join(dir, LAYOUT_MANIFEST);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as LayoutManifest) : undefined;
}

/**
 * Finds the runtime in what the maintainer passed: a runtime layout directory (a staged package,
 * or codex's own `vendor/<target>/`), an npm package holding one under `vendor/` (codex's
 * `@openai/codex-<platform>`), or the codex binary itself (its layout is used when it sits in one).
 */
function locateRuntimeSource(input: string, platformId: string | undefined): RuntimeSource {
  const absolute = path.resolve(input);
  if (!existsSync(absolute))
    throw new StageError(`${absolute} does not exist: pass the codex binary or a runtime package directory.`);
  const entrypointOf = (dir: string, layout: LayoutManifest) => path.join(dir, layout.entrypoint ?? "bin/codex");

  if (statSync(absolute).isDirectory()) {
    const layout = readLayout(absolute);
    if (layout) return { layoutDir: absolute, layout, binary: entrypointOf(absolute, layout) };
    const vendor = path.join(absolute, "vendor");
    const layouts = existsSync(vendor)
      ? readdirSync(vendor)
          .map((name) => path.join(vendor, name))
          .filter((dir) => readLayout(dir) !== undefined)
      : [];
    const wantedTriple = platformId === undefined ? undefined : findRuntimePlatform(platformId)?.targetTriple;
    const chosen = wantedTriple === undefined ? layouts : layouts.filter((dir) => path.basename(dir) === wantedTriple);
    if (chosen.length === 1) {
      const layoutDir = chosen[0]!;
      const layoutManifest = readLayout(layoutDir)!;
      return { layoutDir, layout: layoutManifest, binary: entrypointOf(layoutDir, layoutManifest) };
    }
    if (layouts.length > 1) {
      throw new StageError(
        `${absolute} holds runtimes for several targets (${layouts.map((dir) => path.basename(dir)).join(", ")}): pick one with --platform.`,
      );
    }
    throw new StageError(
      `${absolute} is not a runtime: it has no ${LAYOUT_MANIFEST}, and no vendor/<target>/${LAYOUT_MANIFEST}.`,
    );
  }

  const layoutDir = path.dirname(path.dirname(absolute));
  const layout = readLayout(layoutDir);
  if (layout && path.resolve(entrypointOf(layoutDir, layout)) === absolute)
    return { layoutDir, layout, binary: absolute };
  return { layoutDir: undefined, layout: undefined, binary: absolute };
}

/** Options of {@link stageRuntime}. */
export interface StageRuntimeOptions {
  repoRoot: string;
  stagingDir: string;
  /** The codex binary, or a directory holding a runtime layout. */
  source: string;
  runtimeVersion: string | undefined;
  /** The platform id (`linux-x64`); read from the binary when omitted. */
  platform?: string | undefined;
  /** Runs `binary --version` (for tests). Default: execFileSync. */
  runVersion?: (binary: string) => string;
}

function hostCanRun(platform: RuntimePlatform): boolean {
  return platform.os === process.platform && platform.cpu === process.arch;
}

/**
 * Stages one `@codex/cli-bin-<platform>` package: the runtime layout (`bin/codex`,
 * `bin/codex-code-mode-host`, `codex-path/`, `codex-resources/`, `codex-package.json`) and the
 * package's manifest from the repository at `runtimeVersion`.
 *
 * Refuses a runtime that is not platform-specific (a script, a universal binary, an unknown
 * format), a `--platform` that contradicts the binary, and a binary whose version is not
 * `runtimeVersion`.
 */
export async function stageRuntime(options: StageRuntimeOptions): Promise<StagedPackage> {
  const version = options.runtimeVersion;
  if (version === undefined) throw new StageError("stage-runtime needs --runtime-version.");
  const notes: string[] = [];
  const source = locateRuntimeSource(options.source, options.platform);
  if (!existsSync(source.binary))
    throw new StageError(`The runtime in ${source.layoutDir} has no binary at ${source.binary}.`);

  const header = classifyBinaryFile(source.binary);
  if (!header.native) {
    throw new StageError(
      `${source.binary} is ${header.reason}. The runtime ships only as platform packages: pass the native codex binary for one platform.`,
    );
  }
  const byHeader = RUNTIME_PLATFORMS.filter((platform) => platform.os === header.os && platform.cpu === header.cpu);
  const byLayout =
    source.layout?.target === undefined
      ? undefined
      : RUNTIME_PLATFORMS.find((platform) => platform.targetTriple === source.layout!.target);
  if (source.layout?.target !== undefined && byLayout === undefined) {
    throw new StageError(
      `${LAYOUT_MANIFEST} names target ${source.layout.target}, which no runtime package is published for.`,
    );
  }
  let platform: RuntimePlatform | undefined;
  if (options.platform !== undefined) {
    platform = findRuntimePlatform(options.platform);
    if (platform === undefined) {
      throw new StageError(
        `--platform ${options.platform} is not a runtime platform: use one of ${RUNTIME_PLATFORMS.map((p) => p.id).join(", ")}.`,
      );
    }
  } else {
    platform = byLayout ?? (byHeader.length === 1 ? byHeader[0] : undefined);
    if (platform === undefined)
      throw new StageError(`Cannot tell which platform ${source.binary} is for: pass --platform.`);
  }
  if (platform.os !== header.os || platform.cpu !== header.cpu) {
    throw new StageError(
      `--platform ${platform.id} does not match the binary, which is a ${header.format} executable for ${header.os}-${header.cpu}.`,
    );
  }
  if (byLayout !== undefined && byLayout !== platform) {
    throw new StageError(
      `--platform ${platform.id} does not match ${LAYOUT_MANIFEST}, whose target ${source.layout!.target} is ${byLayout.id}.`,
    );
  }

  // The version: codex's own manifest says it; a lone binary is asked, when it can run here.
  let binaryVersion = source.layout?.version;
  if (binaryVersion === undefined && hostCanRun(platform)) {
    const run =
      options.runVersion ??
      ((binary: string) => execFileSync(binary, ["--version"], { encoding: "utf8", timeout: 30_000 }));
    binaryVersion = parseCodexVersionOutput(run(source.binary));
  }
  if (binaryVersion === undefined) {
    notes.push(
      `the binary's version was not verified (a ${platform.id} binary cannot run on ${process.platform}-${process.arch}); it is recorded as ${version}`,
    );
  } else if (binaryVersion !== version) {
    throw new StageError(
      `--runtime-version ${version} does not match the binary, which is codex ${binaryVersion} (${source.binary}).`,
    );
  }

  const templateDir = runtimeManifestDir(options.repoRoot, platform.packageName);
  const template = readManifest(templateDir);
  if (
    template.name !== platform.packageName ||
    template.os?.join() !== platform.os ||
    template.cpu?.join() !== platform.cpu
  ) {
    throw new StageError(
      `${templateDir}/package.json does not describe ${platform.id} (name, os, cpu): fix the manifest.`,
    );
  }
  const sources = [
    { label: `${platform.packageName} manifest`, dir: templateDir },
    // A lone binary is all that is read: staging next to it is fine, around it is not.
    source.layoutDir === undefined
      ? { label: "codex binary", dir: source.binary }
      : { label: "runtime layout", dir: source.layoutDir },
  ];
  assertNoOverlap(options.stagingDir, sources);
  const dir = await wipeStagingDir(options.stagingDir);

  const executable = `codex${platform.executableSuffix}`;
  if (source.layoutDir !== undefined) {
    const layoutEntries = (template.files ?? []).filter((entry) => entry !== "README.md");
    for (const entry of layoutEntries) {
      const from = path.join(source.layoutDir, entry);
      if (existsSync(from)) await cp(from, path.join(dir, entry), { recursive: true, preserveTimestamps: true });
      else notes.push(`${entry} is missing from the runtime layout ${source.layoutDir}`);
    }
  } else {
    await mkdir(path.join(dir, "bin"), { recursive: true });
    await copyFile(source.binary, path.join(dir, "bin", executable));
    const helper = path.join(path.dirname(source.binary), `codex-code-mode-host${platform.executableSuffix}`);
    if (existsSync(helper)) await copyFile(helper, path.join(dir, "bin", path.basename(helper)));
    const layout: LayoutManifest = {
      layoutVersion: 1,
      version,
      target: platform.targetTriple,
      variant: "codex",
      entrypoint: `bin/${executable}`,
      resourcesDir: "codex-resources",
      pathDir: "codex-path",
    };
    await writeFile(path.join(dir, LAYOUT_MANIFEST), `${JSON.stringify(layout, null, 2)}\n`);
    notes.push(
      "staged a lone binary: there is no codex-path/ (ripgrep) or codex-resources/ (bubblewrap); pass the runtime's package directory for the complete layout",
    );
  }
  // npm keeps file modes from the tarball; make sure every shipped executable has its x bits.
  if (platform.os !== "win32") {
    for (const sub of ["bin", "codex-path"]) {
      if (!existsSync(path.join(dir, sub))) continue;
      for (const file of listFiles(dir, sub)) await chmod(path.join(dir, file.path), 0o755);
    }
  }
  if (existsSync(path.join(templateDir, "README.md")))
    await copyFile(path.join(templateDir, "README.md"), path.join(dir, "README.md"));
  await writeManifest(dir, { ...template, version });
  return { name: platform.packageName, version, dir, files: listFiles(dir), notes };
}
