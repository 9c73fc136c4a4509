// The test run's own CODEX_HOME (sdk-core's test/support/isolated-codex-home.ts): whatever a test starts
// without naming a home writes there, never to the user's ~/.codex.
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";

it("runs every test with a throwaway CODEX_HOME in the temporary directory", () => {
  const home = process.env["CODEX_HOME"];
  expect(home).toBeDefined();
  expect(path.resolve(home!).startsWith(path.resolve(os.tmpdir()) + path.sep)).toBe(true);
  expect(path.resolve(home!)).not.toBe(path.join(os.homedir(), ".codex"));
});
