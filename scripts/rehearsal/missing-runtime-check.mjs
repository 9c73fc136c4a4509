// Release rehearsal, after the platform package was removed from node_modules: Codex.start()
// must reject with RuntimeNotFoundError naming the package to install (argv[2]) and the
// command that installs it.
import assert from "node:assert/strict";
import { Codex, PINNED_RUNTIME_VERSION, RuntimeNotFoundError } from "@codex/sdk";
import { createTestEnvironment } from "@codex/sdk-testing";

const expectedPackage = process.argv[2];
assert.ok(expectedPackage, "usage: missing-runtime-check.mjs <platform package name>");

const env = await createTestEnvironment();
try {
  const error = await Codex.start({ ...env }).then(
    async (codex) => {
      await codex.close();
      return undefined;
    },
    (caught) => caught,
  );
  assert.ok(RuntimeNotFoundError.isInstance(error), `expected RuntimeNotFoundError, got ${error}`);
  assert.equal(error.packageName, expectedPackage);
  assert.ok(error.message.includes(`npm install ${expectedPackage}@${PINNED_RUNTIME_VERSION}`), error.message);
  console.log(JSON.stringify({ error: error.name, packageName: error.packageName, message: error.message }));
} finally {
  await env.dispose();
}
