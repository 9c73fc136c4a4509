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
    // The type tests compile the generated types (about 9k lines); two cores are shared with other work.
    testTimeout: 20_000,
    maxWorkers: 1,
  },
});
