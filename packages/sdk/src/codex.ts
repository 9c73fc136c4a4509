// `Codex` of `@codex/sdk`: sdk-core's `Codex`, whose `start()` first finds the runtime installed
// with this package (or the one `codexBin` / `CODEX_BIN` names) and checks its version.
import { AbortError, Codex as CoreCodex, type CodexOptions as CoreCodexOptions } from "@codex/sdk-core";
import { resolveRuntime } from "./runtime/installed-runtime.js";

/** Options of `Codex.start()` from `@codex/sdk`: sdk-core's, plus the runtime version check. */
export interface CodexOptions extends CoreCodexOptions {
  /**
   * Check that the codex runtime is exactly the version this package is pinned to
   * (`PINNED_RUNTIME_VERSION`) before starting it. Default true. Turn it off only to run a
   * `codexBin` of another version on purpose.
   */
  checkRuntimeVersion?: boolean | undefined;
}

/**
 * A connection to one codex app-server, started with the runtime this package is pinned to.
 *
 * `Codex.start()` finds the binary in this order: the `codexBin` option, the `CODEX_BIN`
 * environment variable, the `resolveCodexBin` option, the installed `@codex/cli-bin-<platform>`
 * package for this machine (no PATH fallback). It checks the binary's version against
 * `PINNED_RUNTIME_VERSION` and puts the runtime's helper folders on the child's PATH
 * (`codex-path/` first, `codex-resources/` last).
 * Everything else is sdk-core's `Codex`.
 *
 * ```ts
 * import { Codex } from "@codex/sdk";
 * const codex = await Codex.start();
 * const thread = await codex.threadStart();
 * console.log((await thread.run("Say hello")).finalResponse);
 * await codex.close();
 * ```
 */
export class Codex extends CoreCodex {
  /**
   * Finds and checks the runtime, spawns `codex app-server`, sends `initialize` and
   * `initialized`. Rejects, leaving no process behind, with `RuntimeNotFoundError` (no runtime
   * for this machine: the message says why and what to run),
   * `IncompatibleServerError` (the runtime is not the pinned version), or any error of
   * sdk-core's `Codex.start()`. With `launchArgs` or `transport` no runtime is looked up.
   */
  static override async start(options: CodexOptions = {}): Promise<Codex> {
    const { checkRuntimeVersion, resolveCodexBin, ...coreOptions } = options;
    // Before the lookup, which may run `codex --version`: an aborted start spawns nothing.
    if (options.signal?.aborted) throw new AbortError("Codex.start() was aborted.", { cause: options.signal.reason });
    // `super.start()` creates the instance through `this`, so it is an instance of this class.
    if (options.transport !== undefined || options.launchArgs !== undefined) {
      return (await super.start({ ...coreOptions, resolveCodexBin })) as Codex;
    }
    const runtime = await resolveRuntime({ codexBin: options.codexBin, resolveCodexBin, checkRuntimeVersion });
    // sdk-core's start sees an explicit binary and gives the child the helper PATH of its layout.
    return (await super.start({ ...coreOptions, codexBin: runtime.codexBin })) as Codex;
  }
}
