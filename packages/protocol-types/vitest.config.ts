import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // `vitest run` also type-checks the type tests (expectTypeOf, @ts-expect-error).
    typecheck: {
      enabled: true,
      include: ["test/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
    // The drift-check test exports the schema from the real binary and runs the generator.
    testTimeout: 120_000,
    maxWorkers: 1,
  },
});
