// Release rehearsal, CommonJS consumer: the same turn as esm-check.mjs, through require().
const assert = require("node:assert/strict");
const path = require("node:path");
const { Codex, PINNED_RUNTIME_VERSION, CodexError, SDK_VERSION } = require("@codex/sdk");
const { resolveRuntime, createInMemoryTransportPair } = require("@codex/sdk/rpc");
const { createTestEnvironment, reply } = require("@codex/sdk-testing");
const examples = require("@codex/sdk-testing/examples");

async function main() {
  assert.equal(
    process.env.CODEX_BIN,
    undefined,
    "CODEX_BIN must not be set: the runtime has to come from the installed package",
  );
  const projectDir = process.cwd();
  const sdkEntry = require.resolve("@codex/sdk");
  assert.ok(
    sdkEntry.startsWith(path.join(projectDir, "node_modules")),
    `@codex/sdk loaded from ${sdkEntry}, not from this project`,
  );
  assert.ok(sdkEntry.endsWith(".cjs"), `require() loaded ${sdkEntry}, not the CommonJS build`);
  assert.equal(typeof CodexError.isInstance, "function");
  assert.ok(require.resolve("@codex/sdk/rpc").endsWith(".cjs"), "require() must load the rpc entry's CommonJS build");
  assert.ok(
    require.resolve("@codex/sdk-core/rpc").endsWith(".cjs"),
    "require() must load sdk-core's rpc entry's CommonJS build",
  );
  assert.equal(typeof createInMemoryTransportPair, "function");
  assert.ok(
    require.resolve("@codex/sdk-testing/examples").endsWith(".cjs"),
    "require() must load the examples harness's CommonJS build",
  );
  assert.equal(examples.requestedMode({}).mode, "offline");
  assert.throws(() => examples.check(false, "probe"), { name: "CheckFailedError", message: "probe" });

  // The versions the code reports are the staged manifests' versions.
  const sdkCoreVersion = require("@codex/sdk-core/package.json").version;
  assert.equal(SDK_VERSION, sdkCoreVersion);
  assert.equal(PINNED_RUNTIME_VERSION, require("@codex/sdk/package.json").dependencies["@codex/cli-bin"]);

  const runtime = await resolveRuntime();
  assert.equal(runtime.source, "package");

  const env = await createTestEnvironment();
  try {
    env.fakeModel.enqueue(reply.text("Hello from the CommonJS consumer."));
    const codex = await Codex.start({ ...env });
    try {
      assert.equal(codex.metadata.serverVersion, PINNED_RUNTIME_VERSION);
      // The server echoes the client's clientInfo at the end of its user agent.
      assert.ok(
        codex.metadata.userAgent.endsWith(`(codex_sdk_ts; ${sdkCoreVersion})`),
        `userAgent ${codex.metadata.userAgent}`,
      );
      const thread = await codex.threadStart();
      const result = await thread.run("Say hello");
      assert.equal(result.status, "completed");
      assert.equal(result.finalResponse, "Hello from the CommonJS consumer.");
      console.log(
        JSON.stringify({
          module: "cjs",
          runtime: runtime.packageName,
          serverVersion: codex.metadata.serverVersion,
          finalResponse: result.finalResponse,
        }),
      );
    } finally {
      await codex.close();
    }
  } finally {
    await env.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
