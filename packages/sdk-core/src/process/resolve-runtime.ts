// The one runtime lookup: which codex binary a start uses (the order: `resolveRuntime` below; the
// user-facing copy is packages/sdk/README.md "Where the runtime comes from"). There is no PATH
// fallback: a codex found on PATH is of an unknown version. Every way an install can be
// broken gets its own message that says what to run, and the advice is safe on every platform
// (never "install the package for my OS", which would break a teammate's machine).
import path from "node:path";
import { IncompatibleServerError, RuntimeNotFoundError } from "../errors.js";
import { parseCodexVersionOutput } from "./codex-version.js";
import {
  RUNTIME_PACKAGE_NAME,
  RUNTIME_PLATFORMS,
  runtimePlatformFor,
  type RuntimePlatform,
} from "./runtime-platforms.js";
import { nodeRuntimeHost, type CliBinLocation, type RuntimeHost } from "./runtime-host.js";

/** Where a resolved runtime came from. */
export type RuntimeSource = "codexBin" | "CODEX_BIN" | "resolveCodexBin" | "package";

/** A codex runtime that is ready to start. */
export interface ResolvedRuntime {
  /** Absolute path of the native `codex` executable. */
  readonly codexBin: string;
  /**
   * The runtime's version (from `codex-package.json`, or `codex --version` for an explicit
   * binary); `undefined` when no version was required, so none was read.
   */
  readonly version: string | undefined;
  /** Which rule found it. */
  readonly source: RuntimeSource;
  /** The runtime package it came from, when `source` is `"package"`. */
  readonly packageName: string | undefined;
  /**
   * Directory of the runtime layout (holds `bin/`, `codex-path/`, `codex-resources/`,
   * `codex-package.json`), when there is one.
   */
  readonly packageDir: string | undefined;
  /**
   * The layout's helper-tool directory (`codex-path/`: ripgrep, ...), put first on the child's
   * PATH; `undefined` when absent.
   */
  readonly pathDir: string | undefined;
  /**
   * The layout's bundled resources (`codex-resources/`: the sandbox's `bwrap` on Linux), put last
   * on the child's PATH, so a system copy still wins; `undefined` when absent.
   */
  readonly resourcesDir: string | undefined;
}

/** Options of {@link resolveRuntime}. */
export interface ResolveRuntimeOptions {
  /** An explicit codex executable: wins over `CODEX_BIN` and the installed package. */
  codexBin?: string | undefined;
  /** Finds an executable when neither `codexBin` nor `CODEX_BIN` is set; wins over the installed package. */
  resolveCodexBin?: (() => string | Promise<string>) | undefined;
  /**
   * The exact runtime version to require. Without it nothing is checked (and no `--version` is
   * run); `@codex/sdk` passes its `PINNED_RUNTIME_VERSION`.
   */
  pinnedVersion?: string | undefined;
  /**
   * Check the runtime's version against `pinnedVersion` (default true). Turn it off only to run a
   * `codexBin` of another version on purpose: the SDK is tested with the pinned one.
   */
  checkRuntimeVersion?: boolean | undefined;
}

/** `codex-package.json`: codex's own description of its install layout. */
interface CodexPackageManifest {
  version?: unknown;
  target?: unknown;
  entrypoint?: unknown;
  pathDir?: unknown;
  resourcesDir?: unknown;
}

/** The parts of an installed package.json the lookup reads. */
interface InstalledManifest {
  name?: unknown;
  version?: unknown;
  optionalDependencies?: Record<string, unknown>;
}

const LAYOUT_MANIFEST = "codex-package.json";

/** The advice every "the installed runtime is broken" message ends with: safe on any OS. */
const REINSTALL =
  'Reinstall your dependencies with optional dependencies included (e.g. delete node_modules and run "npm install", without --omit=optional), ' +
  'then run "npx codex-sdk doctor" to check.';

/** `codex --version` outputs, per host and executable while the file is unchanged: one spawn per binary per process. */
const versionCaches = new WeakMap<
  RuntimeHost,
  Map<string, { size: number; mtimeMs: number; version: string | undefined }>
>();

/**
 * Finds the codex runtime to start: the `codexBin` option, else the `CODEX_BIN` environment
 * variable, else the path `resolveCodexBin` returns, else (on a host that has one) the
 * `@codex/cli-bin-<platform>` package installed for this machine, resolved from
 * `@codex/cli-bin`'s own location, since package managers may not hoist it. With
 * `pinnedVersion`, checks that the runtime is exactly that version.
 *
 * @throws RuntimeNotFoundError when there is no usable binary: it says why and what to run.
 * @throws IncompatibleServerError when the runtime's version is not `pinnedVersion`.
 */
export function resolveRuntime(options: ResolveRuntimeOptions = {}): Promise<ResolvedRuntime> {
  return resolveRuntimeOn(nodeRuntimeHost, options);
}

/**
 * {@link resolveRuntime} on `host`'s facts instead of this process's: `@codex/sdk`'s host also
 * knows where its installed runtime package is, and tests describe machines that are not this one.
 */
export async function resolveRuntimeOn(
  host: RuntimeHost,
  options: ResolveRuntimeOptions = {},
): Promise<ResolvedRuntime> {
  const pinned = (options.checkRuntimeVersion ?? true) ? options.pinnedVersion : undefined;
  // Advice names the pinned version even when it is not checked.
  const advised = options.pinnedVersion;

  if (options.codexBin !== undefined && options.codexBin !== "") {
    return resolveExplicitBinary(host, "codexBin", options.codexBin, pinned);
  }
  const fromEnv = host.env["CODEX_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") {
    return resolveExplicitBinary(host, "CODEX_BIN", fromEnv, pinned);
  }
  if (options.resolveCodexBin !== undefined) {
    const resolved = await options.resolveCodexBin();
    if (typeof resolved !== "string" || resolved === "") {
      throw new RuntimeNotFoundError(`resolveCodexBin returned ${JSON.stringify(resolved)} instead of a path.`, {
        fix: `Return the path of a codex executable from resolveCodexBin, or leave it unset${host.locateCliBin ? " to use the runtime installed with @codex/sdk" : ""}.`,
      });
    }
    return resolveExplicitBinary(host, "resolveCodexBin", resolved, pinned);
  }
  if (host.locateCliBin === undefined) {
    throw new RuntimeNotFoundError("No codex binary was given, and @codex/sdk-core bundles no runtime.", {
      fix: "Pass codexBin (the path of a native codex executable) or set CODEX_BIN; or depend on @codex/sdk, whose Codex.start() finds the runtime it installs.",
    });
  }
  return resolveInstalledPackage(host, host.locateCliBin, pinned, advised);
}

/**
 * The environment for the child process: `env` with the runtime's `codex-path/` first on `PATH`
 * (its ripgrep and other helpers win over any other copy) and its `codex-resources/` last (the
 * bundled `bwrap` is found when the system has none, so codex does not log an error about it).
 */
export function runtimeEnvironment(
  runtime: Pick<ResolvedRuntime, "pathDir"> & Partial<Pick<ResolvedRuntime, "resourcesDir">>,
  env: Readonly<Record<string, string | undefined>>,
  platform: string = process.platform,
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = { ...env };
  const first = runtime.pathDir;
  const last = runtime.resourcesDir;
  if (first === undefined && last === undefined) return result;
  // Windows spells it `Path` (any case works there); replacing a differently-cased key with a
  // second `PATH` would leave two entries and the child would see only one of them.
  const key =
    platform === "win32" ? (Object.keys(result).find((name) => name.toUpperCase() === "PATH") ?? "Path") : "PATH";
  const separator = platform === "win32" ? ";" : ":";
  const entries = (result[key] ?? "").split(separator).filter((entry) => entry !== "");
  result[key] = [
    ...(first === undefined ? [] : [first]),
    ...entries.filter((entry) => entry !== first && entry !== last),
    ...(last === undefined ? [] : [last]),
  ].join(separator);
  return result;
}

async function resolveExplicitBinary(
  host: RuntimeHost,
  source: "codexBin" | "CODEX_BIN" | "resolveCodexBin",
  file: string,
  pinned: string | undefined,
): Promise<ResolvedRuntime> {
  const codexBin = path.resolve(file);
  const unsetHint = (): string => {
    const unset = source === "CODEX_BIN" ? "unset CODEX_BIN" : `leave ${source} unset`;
    return host.locateCliBin === undefined
      ? "Fix the path."
      : `Fix the path, or ${unset} to use the runtime installed with @codex/sdk.`;
  };
  const facts = host.stat(codexBin);
  if (facts === undefined) {
    throw new RuntimeNotFoundError(`${pointsTo(source)} ${codexBin}, which does not exist.`, {
      path: codexBin,
      fix: unsetHint(),
    });
  }
  if (!facts.isFile) {
    throw new RuntimeNotFoundError(`${pointsTo(source)} ${codexBin}, which is not a file.`, {
      path: codexBin,
      fix: `Point it at the codex executable itself (e.g. .../bin/codex). ${unsetHint()}`,
    });
  }
  // An explicit binary that sits in a runtime layout (a staged package, or codex's own npm
  // package) gets the same helper PATH as an installed one.
  const layoutDir = path.dirname(path.dirname(codexBin));
  const layout = readJson<CodexPackageManifest>(host, path.join(layoutDir, LAYOUT_MANIFEST));
  const inLayout = layout !== undefined;
  const runtime = {
    codexBin,
    source,
    packageName: undefined,
    packageDir: inLayout ? layoutDir : undefined,
    pathDir: inLayout ? layoutSubdir(host, layoutDir, layout.pathDir, "codex-path") : undefined,
    resourcesDir: inLayout ? layoutSubdir(host, layoutDir, layout.resourcesDir, "codex-resources") : undefined,
  };
  if (pinned === undefined) return { ...runtime, version: undefined };

  const version = await explicitBinaryVersion(host, codexBin, facts, source);
  if (version !== pinned) {
    const instead =
      host.locateCliBin === undefined ? "" : ` leave ${source} unset to use the runtime installed with @codex/sdk,`;
    throw new IncompatibleServerError(
      { serverVersion: version ?? null, requiredVersion: pinned },
      `${pointsTo(source)} codex ${version ?? "of an unknown version"} (${codexBin}), but the SDK is pinned to codex runtime ${pinned}. ` +
        `Use a codex ${pinned} binary,${instead} or pass checkRuntimeVersion: false to run this one anyway (untested combination).`,
    );
  }
  return { ...runtime, version };
}

async function explicitBinaryVersion(
  host: RuntimeHost,
  codexBin: string,
  facts: { size: number; mtimeMs: number },
  source: string,
): Promise<string | undefined> {
  let versionCache = versionCaches.get(host);
  if (versionCache === undefined) {
    versionCache = new Map();
    versionCaches.set(host, versionCache);
  }
  const cached = versionCache.get(codexBin);
  if (cached && cached.size === facts.size && cached.mtimeMs === facts.mtimeMs) return cached.version;
  let output: string;
  try {
    output = await host.runVersion(codexBin);
  } catch (error) {
    const failure = error as { code?: unknown; signal?: unknown; stderr?: unknown } | null;
    const code = failure?.code;
    if (code === "EACCES" || code === "ENOEXEC" || code === "ENOENT" || code === "EPERM") {
      throw new RuntimeNotFoundError(`${pointsTo(source)} ${codexBin}, which cannot be executed (${String(code)}).`, {
        path: codexBin,
        fix: `Make it executable (chmod +x) and check that it is a codex binary built for ${host.platform}-${host.arch}.`,
        cause: error,
      });
    }
    // It ran, but did not say its version: a broken or foreign executable, not an old server.
    const how =
      typeof code === "number"
        ? `exited with code ${code}`
        : typeof failure?.signal === "string"
          ? `was killed by ${failure.signal}`
          : `failed (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
    const stderr = typeof failure?.stderr === "string" ? failure.stderr.trim() : "";
    throw new RuntimeNotFoundError(
      `${pointsTo(source)} ${codexBin}, but "${codexBin} --version" ${how}${stderr ? `; its stderr:\n${stderr.slice(-2000)}\n` : ","} so it is not a working codex binary.`,
      {
        path: codexBin,
        fix: `Point ${source} at a working codex executable. ${unsetAdvice(host, source)}`,
        cause: error,
      },
    );
  }
  const version = parseCodexVersionOutput(output);
  versionCache.set(codexBin, { size: facts.size, mtimeMs: facts.mtimeMs, version });
  return version;
}

function unsetAdvice(host: RuntimeHost, source: string): string {
  if (host.locateCliBin === undefined) return "";
  return `Or ${source === "CODEX_BIN" ? "unset CODEX_BIN" : `leave ${source} unset`} to use the runtime installed with @codex/sdk.`;
}

/** "codexBin points to", "resolveCodexBin returned": how an explicit binary's origin reads in a message. */
function pointsTo(source: string): string {
  return source === "resolveCodexBin" ? "resolveCodexBin returned" : `${source} points to`;
}

async function resolveInstalledPackage(
  host: RuntimeHost,
  locateCliBin: () => Promise<CliBinLocation | undefined>,
  pinned: string | undefined,
  advised: string | undefined,
): Promise<ResolvedRuntime> {
  const wanted = runtimePlatformFor(host.platform, host.arch);
  const codexOfPin = advised === undefined ? "codex" : `codex ${advised}`;
  const escapeHatch = `Or set CODEX_BIN (or pass codexBin) to a ${codexOfPin} binary you have.`;
  if (wanted === undefined) {
    throw new RuntimeNotFoundError(
      `The codex runtime is not published for ${host.platform}-${host.arch}; it is published for ${RUNTIME_PLATFORMS.map((p) => p.id).join(", ")}.`,
      { fix: `Build ${codexOfPin} for this machine, then set CODEX_BIN to it (or pass codexBin).` },
    );
  }

  const cliBin = await locateCliBin();
  if (cliBin === undefined) {
    throw new RuntimeNotFoundError(
      `The codex runtime is not installed: @codex/sdk installs it through its dependency "${RUNTIME_PACKAGE_NAME}", which is missing.`,
      { packageName: wanted.packageName, fix: `${REINSTALL} ${escapeHatch}` },
    );
  }

  const manifestPath = cliBin.resolve(`${wanted.packageName}/package.json`);
  if (manifestPath !== undefined) return usePackage(host, wanted, path.dirname(manifestPath), pinned, codexOfPin);
  throw notInstalledError(host, cliBin, wanted, escapeHatch);
}

/** The error for "the platform package is not there": says which of the usual reasons it is. */
function notInstalledError(
  host: RuntimeHost,
  cliBin: CliBinLocation,
  wanted: RuntimePlatform,
  escapeHatch: string,
): RuntimeNotFoundError {
  const others = RUNTIME_PLATFORMS.filter(
    (platform) => platform !== wanted && cliBin.resolve(`${platform.packageName}/package.json`) !== undefined,
  );
  const details = { packageName: wanted.packageName };
  const machine = `${host.platform}-${host.arch}`;

  if (others.length > 0) {
    const list = others.map((other) => `${other.packageName} (for ${other.id})`).join(", ");
    return new RuntimeNotFoundError(
      `The codex runtime for this machine (${machine}) is ${wanted.packageName}, which is not installed; found only ${list}. ` +
        `node_modules was probably installed on another machine and copied here (e.g. into a Docker image).`,
      {
        ...details,
        fix: `Install dependencies on this machine: delete node_modules and run "npm install" (or "npm ci") here. ${escapeHatch}`,
      },
    );
  }

  const cliBinManifest = readJson<InstalledManifest>(host, path.join(cliBin.packageDir, "package.json"));
  const listed = cliBinManifest?.optionalDependencies?.[wanted.packageName] !== undefined;
  if (!listed) {
    return new RuntimeNotFoundError(
      `The installed ${RUNTIME_PACKAGE_NAME}${typeof cliBinManifest?.version === "string" ? `@${cliBinManifest.version}` : ""} does not provide a runtime for ${machine}, so ${wanted.packageName} is not installed.`,
      {
        ...details,
        fix: `Do not override the version of ${RUNTIME_PACKAGE_NAME} (npm overrides, pnpm.overrides, yarn resolutions): let @codex/sdk bring the one it is built for, then reinstall. ${escapeHatch}`,
      },
    );
  }
  const omitted = /\boptional\b/.test(host.env["npm_config_omit"] ?? "") || host.env["npm_config_optional"] === "false";
  return new RuntimeNotFoundError(
    `The codex runtime for this machine, ${wanted.packageName}, is not installed. ${RUNTIME_PACKAGE_NAME} installs it as an optional dependency, ` +
      (omitted
        ? `and optional dependencies are omitted in this environment (npm_config_omit=${host.env["npm_config_omit"] ?? ""}).`
        : `so it is skipped when optional dependencies are omitted (npm --omit=optional or --no-optional, pnpm --no-optional, yarn --ignore-optional) ` +
          `or when the lockfile was written on another platform by an npm that drops other platforms' optional packages.`),
    { ...details, fix: `${REINSTALL} ${escapeHatch}` },
  );
}

function usePackage(
  host: RuntimeHost,
  platform: RuntimePlatform,
  packageDir: string,
  pinned: string | undefined,
  codexOfPin: string,
): ResolvedRuntime {
  const manifest = readJson<InstalledManifest>(host, path.join(packageDir, "package.json")) ?? {};
  const layout = readJson<CodexPackageManifest>(host, path.join(packageDir, LAYOUT_MANIFEST));
  const entrypoint = layoutEntrypoint(layout ?? {}, platform.executableSuffix);
  const codexBin = path.join(packageDir, entrypoint);
  if (layout === undefined || host.stat(codexBin)?.isFile !== true) {
    throw new RuntimeNotFoundError(
      `${platform.packageName} is installed (${packageDir}) but holds no codex binary (${layout === undefined ? LAYOUT_MANIFEST : entrypoint} is missing): ` +
        `the install is incomplete, or this is the manifest-only package of the SDK's source repository.`,
      {
        packageName: platform.packageName,
        path: codexBin,
        fix: `${REINSTALL} In the SDK's own repository, set CODEX_BIN to a ${codexOfPin} binary.`,
      },
    );
  }

  const version = typeof layout.version === "string" ? layout.version : undefined;
  const packageVersion = typeof manifest.version === "string" ? manifest.version : undefined;
  if (pinned !== undefined) {
    for (const [what, found] of [
      [`${platform.packageName}@${packageVersion ?? "?"}`, packageVersion],
      [`its ${LAYOUT_MANIFEST}`, version],
    ] as const) {
      if (found === pinned) continue;
      throw new IncompatibleServerError(
        { serverVersion: found ?? null, requiredVersion: pinned },
        `@codex/sdk is pinned to codex runtime ${pinned}, but the installed runtime is ${found ?? "of an unknown version"} (${what}, at ${packageDir}). ` +
          `Do not override the version of ${RUNTIME_PACKAGE_NAME} or ${platform.packageName} (npm overrides, pnpm.overrides, yarn resolutions), then ${REINSTALL.charAt(0).toLowerCase()}${REINSTALL.slice(1)}`,
      );
    }
  }
  return {
    codexBin,
    version,
    source: "package",
    packageName: platform.packageName,
    packageDir,
    pathDir: layoutSubdir(host, packageDir, layout.pathDir, "codex-path"),
    resourcesDir: layoutSubdir(host, packageDir, layout.resourcesDir, "codex-resources"),
  };
}

/** The layout's executable, relative to its directory. */
function layoutEntrypoint(layout: CodexPackageManifest, executableSuffix: string): string {
  return typeof layout.entrypoint === "string" ? layout.entrypoint : `bin/codex${executableSuffix}`;
}

function layoutSubdir(host: RuntimeHost, layoutDir: string, named: unknown, fallback: string): string | undefined {
  const dir = path.join(layoutDir, typeof named === "string" ? named : fallback);
  return host.stat(dir)?.isDirectory ? dir : undefined;
}

function readJson<T>(host: RuntimeHost, file: string): T | undefined {
  const text = host.readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    // A truncated or hand-edited manifest is treated like a missing one: the caller reports the
    // install as incomplete instead of throwing a bare SyntaxError.
    return undefined;
  }
}
