import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // A throwaway CODEX_HOME for the whole run: no test touches the user's ~/.codex. The set-up is
    // sdk-core's, one copy for every package (turbo.json lists it among the inputs of these tests).
    globalSetup: ["../packages/sdk-core/test/support/isolated-codex-home.ts"],
    // The drift check and the staged-package test run the real app-server; two cores are shared with other work.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // The generator: the drift check exports the schema from the real binary and generates the types twice.
        test: { name: "codegen", include: ["test/codegen/**/*.test.ts"], testTimeout: 120_000 },
      },
      {
        extends: true,
        // Staging, pins, the API report: most of them spawn `tsx` or stage built packages.
        test: {
          name: "release",
          include: ["test/**/*.test.ts"],
          exclude: ["test/codegen/**", "**/node_modules/**"],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
    ],
  },
});
