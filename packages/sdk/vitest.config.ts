import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A throwaway CODEX_HOME for the whole run: no test touches the user's ~/.codex. The set-up is
    // sdk-core's, one copy for every package (turbo.json lists sdk-core's test/support among the
    // inputs of this package's tests).
    globalSetup: ["../sdk-core/test/support/isolated-codex-home.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The integration file runs a real app-server; two cores are shared with other work.
    maxWorkers: 2,
  },
});
