import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Makes one temporary directory per run (TMPDIR of every test file) and checks, at the end,
    // that no spawned codex process and no temporary directory is left.
    globalSetup: ["test/support/global-setup.ts"],
    // Per test file: points TMPDIR into the run directory and checks, after the file, that every
    // fake model port is closed, every codex process has exited and every CODEX_HOME is gone.
    setupFiles: ["test/support/leak-check.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration files each run a real app-server; two cores are shared with other work.
    maxWorkers: 2,
  },
});
