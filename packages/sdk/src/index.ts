// Anything exported here is public API.
//
// `@codex/sdk` is `@codex/sdk-core` plus the pinned codex runtime: everything of sdk-core is
// re-exported unchanged, except `Codex`, whose `start()` finds the runtime installed with this
// package when no `codexBin` is given. The low-level layer is in `@codex/sdk/rpc` (src/rpc.ts).
export * from "@codex/sdk-core";

export { Codex } from "./codex.js";
export type { CodexOptions } from "./codex.js";

export { PINNED_RUNTIME_VERSION } from "./runtime-version.js";

export { doctor, formatDoctorReport } from "./doctor.js";
export type { DoctorCheck, DoctorOptions, DoctorReport, DoctorStatus } from "./doctor.js";
