// Anything exported here is public API.
//
// `@codex/sdk` is `@codex/sdk-core` plus the pinned codex runtime: everything of sdk-core is
// re-exported unchanged, except `Codex`, whose `start()` finds the runtime installed with this
// package when no `codexBin` is given, and `resolveRuntime`, which looks there too.
export * from "@codex/sdk-core";

export { Codex } from "./codex.js";
export type { CodexOptions } from "./codex.js";

export { PINNED_RUNTIME_VERSION } from "./runtime-version.js";
// sdk-core's lookup with this package's installed runtime and its pinned version as defaults.
export { resolveRuntime } from "./runtime/installed-runtime.js";

export { doctor, formatDoctorReport } from "./doctor.js";
export type { DoctorCheck, DoctorOptions, DoctorReport, DoctorStatus } from "./doctor.js";
