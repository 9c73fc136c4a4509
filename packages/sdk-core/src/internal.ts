// `@codex/sdk-core/internal`: what `@codex/sdk` needs of sdk-core beyond the public entries — the
// runtime lookup's host seam, the platform table and the version parsers. Not public API: it
// follows `@codex/sdk`'s needs, with no compatibility promise, and is neither documented nor
// re-exported by `@codex/sdk`.
export { nodeRuntimeHost } from "./process/runtime-host.js";
export type { CliBinLocation, FileFacts, RuntimeHost } from "./process/runtime-host.js";
export {
  findRuntimePlatform,
  RUNTIME_PACKAGE_NAME,
  RUNTIME_PLATFORMS,
  runtimePlatformFor,
} from "./process/runtime-platforms.js";
export type { RuntimePlatform } from "./process/runtime-platforms.js";
export { parseCodexVersionOutput } from "./process/codex-version.js";
export { resolveRuntimeOn } from "./process/resolve-runtime.js";
