// `Codex` of `@codex/sdk`: sdk-core's `Codex`, whose `start()` first finds the runtime installed
// with this package (or the one `codexBin` / `CODEX_BIN` names), checks its version, and puts
// its helper tools on the child's PATH.
import { Codex as CoreCodex, type CodexOptions as CoreCodexOptions } from "@codex/sdk-core";
import { resolveRuntime, runtimeEnvironment } from "./runtime/resolve-runtime.js";

/** Options of `Codex.start()` from `@codex/sdk`: sdk-core's, plus the runtime version check. */
export interface CodexOptions extends CoreCodexOptions {
  /**
   * Check that the codex runtime is exactly the version this package is pinned to
   * (`PINNED_RUNTIME_VERSION`) before starting it. Default true. Turn it off only to run a
   * `codexBin` of another version on purpose.
   */
  checkRuntimeVersion?: boolean | undefined;
}

// sdk-core keeps its constructor private: instances come only from `start()`. Seen through this
// type, the class can be extended to give `start()` another default without a second constructor.
const CoreCodexClass = CoreCodex as unknown as abstract new () => CoreCodex;

/**
 * A connection to one codex app-server, started with the runtime this package is pinned to.
 *
 * `Codex.start()` finds the binary in this order: the `codexBin` option, the `CODEX_BIN`
 * environment variable, the installed `@codex/cli-bin-<platform>` package for this machine (no
 * PATH fallback). It checks the binary's version against `PINNED_RUNTIME_VERSION` and puts the
 * runtime's `codex-path/` first on the child's PATH. Everything else is sdk-core's `Codex`.
 *
 * ```ts
 * import { Codex } from "@codex/sdk";
 * const codex = await Codex.start();
 * const thread = await codex.threadStart();
 * console.log((await thread.run("Say hello")).finalResponse);
 * await codex.close();
 * ```
 */
export abstract class Codex extends CoreCodexClass {
  /**
   * Finds and checks the runtime, spawns `codex app-server`, sends `initialize` and
   * `initialized`. Rejects, leaving no process behind, with `RuntimeNotFoundError` (no runtime
   * for this machine: the message names the package to install and the command),
   * `IncompatibleServerError` (the runtime is not the pinned version), or any error of
   * sdk-core's `Codex.start()`. With `launchArgs` or `transport` no runtime is looked up.
   */
  static async start(options: CodexOptions = {}): Promise<Codex> {
    const { checkRuntimeVersion, ...coreOptions } = options;
    if (options.transport !== undefined || options.launchArgs !== undefined) {
      return (await CoreCodex.start(coreOptions)) as Codex;
    }
    const runtime = await resolveRuntime({ codexBin: options.codexBin, checkRuntimeVersion });
    const env = runtime.pathDir === undefined ? options.env : runtimeEnvironment(runtime, { ...process.env, ...options.env });
    return (await CoreCodex.start({ ...coreOptions, codexBin: runtime.codexBin, env })) as Codex;
  }

  /** `instanceof Codex` holds for every connection, whichever package's `start()` made it. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof CoreCodex;
  }
}
