// Finds the codex binary `@codex/sdk` starts, in this order: the `codexBin` option, the
// `CODEX_BIN` environment variable, the `resolveCodexBin` option, the `@codex/cli-bin-<platform>`
// package installed for this machine. There is no PATH fallback: a codex found on PATH is of an unknown version. Every way
// an install can be broken gets its own message that says what to run.
import path from "node:path";
import { IncompatibleServerError, RuntimeNotFoundError } from "@codex/sdk-core";
import { PINNED_RUNTIME_VERSION } from "../runtime-version.js";
import { parseCodexVersionOutput } from "./codex-version.js";
import { RUNTIME_PACKAGE_NAME, RUNTIME_PLATFORMS, runtimePlatformsFor, type RuntimePlatform } from "./platforms.js";
import { nodeRuntimeHost, type CliBinLocation, type RuntimeHost } from "./runtime-host.js";

/** Where a resolved runtime came from. */
export type RuntimeSource = "codexBin" | "CODEX_BIN" | "resolveCodexBin" | "package";

/** A codex runtime that is ready to start. */
export interface ResolvedRuntime {
  /** Absolute path of the native `codex` executable. */
  readonly codexBin: string;
  /** The runtime's version (from `codex-package.json`, or `codex --version` for an explicit binary); `undefined` when not checked. */
  readonly version: string | undefined;
  /** Which rule found it. */
  readonly source: RuntimeSource;
  /** The runtime package it came from, when `source` is `"package"`. */
  readonly packageName: string | undefined;
  /** Directory of the runtime layout (holds `bin/`, `codex-path/`, `codex-package.json`), when there is one. */
  readonly packageDir: string | undefined;
  /** The layout's helper-tool directory (`codex-path/`), which belongs on the child's PATH; `undefined` when absent. */
  readonly pathDir: string | undefined;
}

/** Options of {@link resolveRuntime}. */
export interface ResolveRuntimeOptions {
  /** An explicit codex executable: wins over `CODEX_BIN` and the installed package. */
  codexBin?: string | undefined;
  /** Finds an executable when neither `codexBin` nor `CODEX_BIN` is set; wins over the installed package. */
  resolveCodexBin?: (() => string | Promise<string>) | undefined;
  /**
   * Check the runtime's version against {@link PINNED_RUNTIME_VERSION} (default true). Turn it off
   * only to run a `codexBin` of another version on purpose: the SDK is tested with the pinned one.
   */
  checkRuntimeVersion?: boolean | undefined;
  /** The version to require (default {@link PINNED_RUNTIME_VERSION}). */
  pinnedVersion?: string | undefined;
  /** The machine to look at (default: this process). For tests. */
  host?: RuntimeHost | undefined;
}

/** `codex-package.json`: codex's own description of its install layout. */
interface CodexPackageManifest {
  version?: unknown;
  target?: unknown;
  entrypoint?: unknown;
  pathDir?: unknown;
}

/** The parts of an installed package.json the lookup reads. */
interface InstalledManifest {
  name?: unknown;
  version?: unknown;
  libc?: unknown;
  optionalDependencies?: Record<string, unknown>;
}

const LAYOUT_MANIFEST = "codex-package.json";

/** `codex --version` outputs, per host and executable while the file is unchanged: one spawn per binary per process. */
const versionCaches = new WeakMap<RuntimeHost, Map<string, { size: number; mtimeMs: number; version: string | undefined }>>();

/**
 * Finds the codex runtime to start and checks its version: the `codexBin` option, else the
 * `CODEX_BIN` environment variable, else the path `resolveCodexBin` returns, else the
 * `@codex/cli-bin-<platform>` package installed for this machine (resolved from `@codex/cli-bin`'s own location, since package managers may not
 * hoist it).
 *
 * @throws RuntimeNotFoundError when there is no usable binary: it names the package to install
 *   for this platform and the command that installs it.
 * @throws IncompatibleServerError when the runtime's version is not the pinned one.
 */
export async function resolveRuntime(options: ResolveRuntimeOptions = {}): Promise<ResolvedRuntime> {
  const host = options.host ?? nodeRuntimeHost;
  const pinned = options.pinnedVersion ?? PINNED_RUNTIME_VERSION;
  const checkVersion = options.checkRuntimeVersion ?? true;

  if (options.codexBin !== undefined && options.codexBin !== "") {
    return resolveExplicitBinary(host, "codexBin", options.codexBin, pinned, checkVersion);
  }
  const fromEnv = host.env["CODEX_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") {
    return resolveExplicitBinary(host, "CODEX_BIN", fromEnv, pinned, checkVersion);
  }
  if (options.resolveCodexBin !== undefined) {
    const resolved = await options.resolveCodexBin();
    if (typeof resolved !== "string" || resolved === "") {
      throw new RuntimeNotFoundError(`resolveCodexBin returned ${JSON.stringify(resolved)} instead of a path.`, {
        fix: "Return the path of a codex executable from resolveCodexBin, or leave it unset to use the runtime installed with @codex/sdk.",
      });
    }
    return resolveExplicitBinary(host, "resolveCodexBin", resolved, pinned, checkVersion);
  }
  return resolveInstalledPackage(host, pinned, checkVersion);
}

/**
 * The environment for the child process: `env` with the runtime's `codex-path/` prepended to
 * `PATH`, so the helper tools codex ships (ripgrep, ...) are found before any other copy.
 */
export function runtimeEnvironment(
  runtime: Pick<ResolvedRuntime, "pathDir">,
  env: Readonly<Record<string, string | undefined>>,
  platform: string = process.platform,
): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = { ...env };
  if (runtime.pathDir === undefined) return result;
  // Windows spells it `Path` (any case works there); replacing a differently-cased key with a
  // second `PATH` would leave two entries and the child would see only one of them.
  const key =
    platform === "win32" ? (Object.keys(result).find((name) => name.toUpperCase() === "PATH") ?? "Path") : "PATH";
  const separator = platform === "win32" ? ";" : ":";
  const current = result[key];
  result[key] = current ? `${runtime.pathDir}${separator}${current}` : runtime.pathDir;
  return result;
}

async function resolveExplicitBinary(
  host: RuntimeHost,
  source: "codexBin" | "CODEX_BIN" | "resolveCodexBin",
  file: string,
  pinned: string,
  checkVersion: boolean,
): Promise<ResolvedRuntime> {
  const codexBin = path.resolve(file);
  const unsetHint = (): string => {
    const installed = platformForHost(host)[0]?.packageName;
    const unset = source === "CODEX_BIN" ? "unset CODEX_BIN" : `leave ${source} unset`;
    return `Fix the path, or ${unset} to use the runtime installed with @codex/sdk${installed ? ` (${installed})` : ""}.`;
  };
  const facts = host.stat(codexBin);
  if (facts === undefined) {
    throw new RuntimeNotFoundError(`${pointsTo(source)} ${codexBin}, which does not exist.`, { path: codexBin, fix: unsetHint() });
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
  const runtime = {
    codexBin,
    source,
    packageName: undefined,
    packageDir: layout ? layoutDir : undefined,
    pathDir: layout ? layoutPathDir(host, layoutDir, layout) : undefined,
  };
  if (!checkVersion) return { ...runtime, version: undefined };

  const version = await explicitBinaryVersion(host, codexBin, facts, source, pinned);
  if (version !== pinned) {
    throw new IncompatibleServerError(
      { serverVersion: version ?? null, requiredVersion: pinned },
      `${pointsTo(source)} codex ${version ?? "of an unknown version"} (${codexBin}), but @codex/sdk is pinned to codex runtime ${pinned}. ` +
        `Use a codex ${pinned} binary, leave ${source} unset to use the runtime installed with @codex/sdk, ` +
        `or pass checkRuntimeVersion: false to run this one anyway (untested combination).`,
    );
  }
  return { ...runtime, version };
}

async function explicitBinaryVersion(
  host: RuntimeHost,
  codexBin: string,
  facts: { size: number; mtimeMs: number },
  source: string,
  pinned: string,
): Promise<string | undefined> {
  let versionCache = versionCaches.get(host);
  if (versionCache === undefined) versionCaches.set(host, (versionCache = new Map()));
  const cached = versionCache.get(codexBin);
  if (cached && cached.size === facts.size && cached.mtimeMs === facts.mtimeMs) return cached.version;
  let output: string;
  try {
    output = await host.runVersion(codexBin);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "EACCES" || code === "ENOEXEC" || code === "ENOENT") {
      throw new RuntimeNotFoundError(`${pointsTo(source)} ${codexBin}, which cannot be executed (${String(code)}).`, {
        path: codexBin,
        fix: `Make it executable (chmod +x) and check that it is a codex binary built for ${host.platform}-${host.arch}.`,
        cause: error,
      });
    }
    throw new IncompatibleServerError(
      { serverVersion: null, requiredVersion: pinned, cause: error },
      `${pointsTo(source)} ${codexBin}, but "${codexBin} --version" failed, so its version cannot be checked. ` +
        `Point it at a codex binary, or pass checkRuntimeVersion: false to skip the check.`,
    );
  }
  const version = parseCodexVersionOutput(output);
  versionCache.set(codexBin, { size: facts.size, mtimeMs: facts.mtimeMs, version });
  return version;
}

/** "codexBin points to", "resolveCodexBin returned": how an explicit binary's origin reads in a message. */
function pointsTo(source: string): string {
  return source === "resolveCodexBin" ? "resolveCodexBin returned" : `${source} points to`;
}

function platformForHost(host: RuntimeHost): RuntimePlatform[] {
  return runtimePlatformsFor(host.platform, host.arch, () => (host.platform === "linux" ? host.libc() : undefined));
}

function describeHost(host: RuntimeHost): string {
  const libc = host.platform === "linux" ? host.libc() : undefined;
  return `${host.platform}-${host.arch}${libc ? ` (${libc})` : ""}`;
}

async function resolveInstalledPackage(host: RuntimeHost, pinned: string, checkVersion: boolean): Promise<ResolvedRuntime> {
  const candidates = platformForHost(host);
  const wanted = candidates[0];
  const escapeHatch = `Or pass codexBin to Codex.start(), or set CODEX_BIN, to use a codex ${pinned} binary you have.`;
  if (wanted === undefined) {
    throw new RuntimeNotFoundError(
      `The codex runtime is not published for ${describeHost(host)}; it is published for ${RUNTIME_PLATFORMS.map((p) => p.id).join(", ")}.`,
      { fix: `Build codex ${pinned} for this machine, then pass its path as codexBin or set CODEX_BIN.` },
    );
  }
  const install = `npm install ${wanted.packageName}@${pinned}`;

  const cliBin = await host.locateCliBin();
  if (cliBin === undefined) {
    throw new RuntimeNotFoundError(
      `The codex runtime is not installed: @codex/sdk installs it through its dependency "${RUNTIME_PACKAGE_NAME}", which is missing.`,
      {
        packageName: wanted.packageName,
        fix: `Reinstall @codex/sdk (its dependencies bring ${RUNTIME_PACKAGE_NAME}@${pinned} and ${wanted.packageName}), or run "npm install ${RUNTIME_PACKAGE_NAME}@${pinned} ${wanted.packageName}@${pinned}". ${escapeHatch}`,
      },
    );
  }

  for (const candidate of candidates) {
    const manifestPath = cliBin.resolve(`${candidate.packageName}/package.json`);
    if (manifestPath !== undefined) return usePackage(host, candidate, path.dirname(manifestPath), pinned, checkVersion);
  }
  throw notInstalledError(host, cliBin, wanted, pinned, install, escapeHatch);
}

/** The error for "the platform package is not there": says which of the usual reasons it is. */
function notInstalledError(
  host: RuntimeHost,
  cliBin: CliBinLocation,
  wanted: RuntimePlatform,
  pinned: string,
  install: string,
  escapeHatch: string,
): RuntimeNotFoundError {
  const others = RUNTIME_PLATFORMS.filter((platform) => platform !== wanted && cliBin.resolve(`${platform.packageName}/package.json`) !== undefined);
  const details = { packageName: wanted.packageName };

  if (others.length > 0) {
    const list = others.map((other) => `${other.packageName} (for ${other.id})`).join(", ");
    return new RuntimeNotFoundError(
      `The codex runtime for this machine (${describeHost(host)}) is ${wanted.packageName}, which is not installed; found only ${list}. ` +
        `node_modules was probably installed on another machine and copied here (e.g. into a Docker image).`,
      { ...details, fix: `Install dependencies on this machine (delete node_modules and run "npm install"), or run "${install}". ${escapeHatch}` },
    );
  }

  const cliBinManifest = readJson<InstalledManifest>(host, path.join(cliBin.packageDir, "package.json"));
  const listed = cliBinManifest?.optionalDependencies?.[wanted.packageName] !== undefined;
  if (!listed) {
    return new RuntimeNotFoundError(
      `The installed ${RUNTIME_PACKAGE_NAME}${typeof cliBinManifest?.version === "string" ? `@${cliBinManifest.version}` : ""} does not provide a runtime for ${describeHost(host)}, so ${wanted.packageName} is not installed.`,
      { ...details, fix: `Install the pinned runtime: "npm install ${RUNTIME_PACKAGE_NAME}@${pinned}" (it lists ${wanted.packageName}). ${escapeHatch}` },
    );
  }
  const omitted = /\boptional\b/.test(host.env["npm_config_omit"] ?? "") || host.env["npm_config_optional"] === "false";
  return new RuntimeNotFoundError(
    `The codex runtime for this machine, ${wanted.packageName}, is not installed. ${RUNTIME_PACKAGE_NAME} installs it as an optional dependency, ` +
      (omitted
        ? `and optional dependencies are omitted in this environment (npm_config_omit=${host.env["npm_config_omit"] ?? ""}).`
        : `so it is skipped when optional dependencies are omitted (npm --omit=optional or --no-optional, pnpm --no-optional, yarn --ignore-optional) ` +
          `or when the lockfile was written on another platform.`),
    { ...details, fix: `Run "${install}", or reinstall without omitting optional dependencies. ${escapeHatch}` },
  );
}

function usePackage(
  host: RuntimeHost,
  platform: RuntimePlatform,
  packageDir: string,
  pinned: string,
  checkVersion: boolean,
): ResolvedRuntime {
  const install = `npm install ${platform.packageName}@${pinned}`;
  const manifest = readJson<InstalledManifest>(host, path.join(packageDir, "package.json")) ?? {};

  // npm skips a package whose `libc` does not match at install time, but a node_modules copied
  // between a glibc host and a musl container keeps it: the binary would then fail to load.
  const requiredLibc = Array.isArray(manifest.libc) ? manifest.libc.filter((value): value is string => typeof value === "string") : [];
  const hostLibc = requiredLibc.length > 0 && host.platform === "linux" ? host.libc() : undefined;
  if (hostLibc !== undefined && !requiredLibc.includes(hostLibc)) {
    throw new RuntimeNotFoundError(
      `The installed codex runtime ${platform.packageName} (${packageDir}) is built for ${requiredLibc.join("/")}, but this machine uses ${hostLibc}.`,
      {
        packageName: platform.packageName,
        path: packageDir,
        fix: `Install dependencies on this machine (delete node_modules and run "npm install"). Or pass codexBin, or set CODEX_BIN, to a codex ${pinned} binary built for ${hostLibc}.`,
      },
    );
  }

  const layout = readJson<CodexPackageManifest>(host, path.join(packageDir, LAYOUT_MANIFEST));
  const entrypoint = typeof layout?.entrypoint === "string" ? layout.entrypoint : `bin/codex${platform.executableSuffix}`;
  const codexBin = path.join(packageDir, entrypoint);
  if (layout === undefined || host.stat(codexBin)?.isFile !== true) {
    throw new RuntimeNotFoundError(
      `${platform.packageName} is installed (${packageDir}) but holds no codex binary (${layout === undefined ? LAYOUT_MANIFEST : entrypoint} is missing): ` +
        `the install is incomplete, or this is the manifest-only package of the SDK's source repository.`,
      {
        packageName: platform.packageName,
        path: codexBin,
        fix: `Reinstall it: "${install}". In the SDK's own repository, set CODEX_BIN to a codex ${pinned} binary.`,
      },
    );
  }

  const version = typeof layout.version === "string" ? layout.version : undefined;
  const packageVersion = typeof manifest.version === "string" ? manifest.version : undefined;
  if (checkVersion) {
    for (const [what, found] of [
      [`${platform.packageName}@${packageVersion ?? "?"}`, packageVersion],
      [`its ${LAYOUT_MANIFEST}`, version],
    ] as const) {
      if (found === pinned) continue;
      throw new IncompatibleServerError(
        { serverVersion: found ?? null, requiredVersion: pinned },
        `@codex/sdk is pinned to codex runtime ${pinned}, but the installed runtime is ${found ?? "of an unknown version"} (${what}, at ${packageDir}). ` +
          `Reinstall so they match: "${install}", and do not override the version of ${RUNTIME_PACKAGE_NAME} or ${platform.packageName} (npm overrides, pnpm.overrides, yarn resolutions).`,
      );
    }
  }
  return {
    codexBin,
    version,
    source: "package",
    packageName: platform.packageName,
    packageDir,
    pathDir: layoutPathDir(host, packageDir, layout),
  };
}

function layoutPathDir(host: RuntimeHost, layoutDir: string, layout: CodexPackageManifest): string | undefined {
  const dir = path.join(layoutDir, typeof layout.pathDir === "string" ? layout.pathDir : "codex-path");
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
