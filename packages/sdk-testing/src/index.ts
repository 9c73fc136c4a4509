// Anything exported here is public API.
export { resolveCodexBin } from "./codex-bin.js";
