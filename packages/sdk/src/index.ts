// Anything exported here is public API.
//
// `@codex/sdk` is `@codex/sdk-core` plus the pinned codex runtime: everything of sdk-core is
// re-exported unchanged, except `Codex`, whose `start()` finds the runtime installed with this
// package when no `codexBin` is given.
export * from "@codex/sdk-core";

export { Codex } from "./codex.js";
export type { CodexOptions } from "./codex.js";

export { PINNED_RUNTIME_VERSION } from "./runtime-version.js";
export { RUNTIME_PACKAGE_NAME, RUNTIME_PLATFORMS } from "./runtime/platforms.js";
export type { Libc, RuntimePlatform } from "./runtime/platforms.js";
export { resolveRuntime, runtimeEnvironment } from "./runtime/resolve-runtime.js";
export type { ResolvedRuntime, ResolveRuntimeOptions, RuntimeSource } from "./runtime/resolve-runtime.js";
export type { CliBinLocation, FileFacts, RuntimeHost } from "./runtime/runtime-host.js";
