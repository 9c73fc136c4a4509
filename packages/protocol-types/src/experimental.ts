// Anything exported here is public API.
//
// The experimental surface of the Codex app-server protocol (schema exported with
// `--experimental`): the same names as the main entry, plus experimental methods and fields.
// Use it with a server started with experimental APIs enabled.
export type * from "./generated/experimental/types.gen.js";
export * from "./generated/experimental/methods.gen.js";
