// The one version of the codex runtime this package is built and tested against: the exact
// version of `@codex/cli-bin` that package.json depends on (moved by `pnpm bump-runtime`). The
// build bundles it from the manifest, so the start-up check and the dependency cannot disagree.
import manifest from "../package.json" with { type: "json" };

/** The exact codex runtime version `@codex/sdk` is pinned to (the version of `@codex/cli-bin`). */
export const PINNED_RUNTIME_VERSION: string = manifest.dependencies["@codex/cli-bin"].replace(/^workspace:/, "");
