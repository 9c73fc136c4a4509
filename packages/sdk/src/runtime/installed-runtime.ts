// The runtime `@codex/sdk` installs: `@codex/cli-bin` (a dependency of this package) and, through
// its optional dependencies, the `@codex/cli-bin-<platform>` package for this machine. The lookup
// itself is sdk-core's `resolveRuntime`; this file only tells it where that package is and which
// version to require.
import { nodeRuntimeHost, resolveRuntimeOn, type CliBinLocation, type RuntimeHost } from "@codex/sdk-core/internal";
import type { ResolvedRuntime, ResolveRuntimeOptions } from "@codex/sdk-core/rpc";
import { PINNED_RUNTIME_VERSION } from "../runtime-version.js";

async function locateInstalledCliBin(): Promise<CliBinLocation | undefined> {
  let module: { packageDir?: string; resolveFromCliBin?: (specifier: string) => string | undefined; default?: unknown };
  try {
    // Imported, not resolved from the application: the import is resolved from this package's
    // own location, which is where the package manager put our dependency.
    module = await import("@codex/cli-bin");
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
  // A CommonJS module imported from ESM may expose its exports only on `default`.
  const api = (module.resolveFromCliBin ? module : module.default) as typeof module | undefined;
  if (!api?.resolveFromCliBin || !api.packageDir) return undefined;
  return { packageDir: api.packageDir, resolve: api.resolveFromCliBin };
}

/** This machine, with the runtime installed beside `@codex/sdk`. */
export const installedRuntimeHost: RuntimeHost = {
  platform: nodeRuntimeHost.platform,
  arch: nodeRuntimeHost.arch,
  get env() {
    return nodeRuntimeHost.env;
  },
  locateCliBin: locateInstalledCliBin,
  stat: (file) => nodeRuntimeHost.stat(file),
  readText: (file) => nodeRuntimeHost.readText(file),
  runVersion: (executable) => nodeRuntimeHost.runVersion(executable),
};

/**
 * Finds the codex runtime `Codex.start()` would start, without starting it: the `codexBin`
 * option, else the `CODEX_BIN` environment variable, else the path `resolveCodexBin` returns,
 * else the `@codex/cli-bin-<platform>` package installed for this machine. Checks that it is
 * exactly {@link PINNED_RUNTIME_VERSION} (unless `checkRuntimeVersion: false`).
 *
 * @throws RuntimeNotFoundError when there is no usable binary: it says why and what to run.
 * @throws IncompatibleServerError when the runtime is not the pinned version.
 */
export function resolveRuntime(options: ResolveRuntimeOptions = {}): Promise<ResolvedRuntime> {
  return resolveRuntimeOn(installedRuntimeHost, { pinnedVersion: PINNED_RUNTIME_VERSION, ...definedOnly(options) });
}

/** `options` without its `undefined` fields, so they do not replace the defaults. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
