import { defineConfig } from "vitest/config";

/** The high-level suites that run once per transport: stdio (with everything else), ws and unix. */
const OVER_EVERY_TRANSPORT = ["test/api/turns.test.ts", "test/api/threads.test.ts", "test/api/approvals.test.ts"];

export default defineConfig({
  test: {
    // A throwaway CODEX_HOME for the whole run: no test touches the user's ~/.codex.
    globalSetup: ["test/support/isolated-codex-home.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration files each run a real app-server; two cores are shared with other work.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "stdio", include: ["test/**/*.test.ts"] } },
      { extends: true, test: { name: "ws", include: OVER_EVERY_TRANSPORT, env: { CODEX_SDK_TEST_TRANSPORT: "ws" } } },
      {
        extends: true,
        test: { name: "unix", include: OVER_EVERY_TRANSPORT, env: { CODEX_SDK_TEST_TRANSPORT: "unix" } },
      },
    ],
  },
});
