// Anything exported here is public API.
//
// `@codex/sdk-core/otel`: OpenTelemetry tracing of a Codex client. Opt-in and separate from the
// root entry, which never loads `@opentelemetry/api` (an optional peer dependency: install it
// to use this entry).
export { INSTRUMENTATION_SCOPE, openTelemetryInstrumentation } from "./otel/open-telemetry.js";
export type { OpenTelemetryOptions } from "./otel/open-telemetry.js";
