// Anything exported here is public API.
//
// The types of the Codex app-server protocol (stable surface), generated from the JSON Schema
// of the pinned runtime: every schema definition under its exact name, and the typed method
// maps and method-name constants. The experimental surface lives at
// `@codex/protocol-types/experimental`.
export type * from "./generated/types.gen.js";
export * from "./generated/methods.gen.js";
