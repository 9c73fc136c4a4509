// Anything exported here is public API.
//
// `@codex/sdk/otel`: OpenTelemetry tracing of a Codex client, from `@codex/sdk-core/otel`.
// Install `@opentelemetry/api` (an optional peer dependency) to use it; the root entry of
// `@codex/sdk` never loads it.
export * from "@codex/sdk-core/otel";
