// `@codex/sdk/rpc`: sdk-core's low-level layer (`@codex/sdk-core/rpc`: the JSON-RPC client,
// transports, app-server spawn, config flags, runtime lookup, instrumentation hooks), with the
// runtime lookup of this package: `resolveRuntime` finds the runtime installed with `@codex/sdk`.
export * from "@codex/sdk-core/rpc";
// sdk-core's lookup with this package's installed runtime and its pinned version as defaults.
export { resolveRuntime } from "./runtime/installed-runtime.js";
