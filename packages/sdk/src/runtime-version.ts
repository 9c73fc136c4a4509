// The one version of the codex runtime this package is built and tested against. `@codex/sdk`
// depends on exactly this `@codex/cli-bin`, and refuses to start any other runtime version
// unless told to. The repository's pin check keeps it equal to the root `codexRuntimeVersion`.

/** The exact codex runtime version `@codex/sdk` is pinned to (the version of `@codex/cli-bin`). */
export const PINNED_RUNTIME_VERSION = "0.171.0";
