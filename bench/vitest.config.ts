import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test runs a worker process; one file at a time leaves the other core to the rest.
    maxWorkers: 1,
  },
});
