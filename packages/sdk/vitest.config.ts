import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The integration file runs a real app-server; two cores are shared with other work.
    maxWorkers: 2,
  },
});
