// Release rehearsal, after the platform package was removed from node_modules: Codex.start()
// must reject with RuntimeNotFoundError naming the missing package (argv[2]) and advice that
// is safe on any platform.
import assert from "node:assert/strict";
import { Codex, RuntimeNotFoundError } from "@codex/sdk";
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
  // The advice must be safe on every platform: never install one OS's package directly.
  assert.ok(!error.message.includes(`npm install ${expectedPackage}`), error.message);
  assert.ok(error.message.includes("optional dependencies included"), error.message);
  assert.ok(error.message.includes("npx codex-sdk doctor"), error.message);
  console.log(JSON.stringify({ error: error.name, packageName: error.packageName, message: error.message }));
} finally {
  await env.dispose();
}
