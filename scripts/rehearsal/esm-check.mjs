// Release rehearsal, ESM consumer: runs inside a fresh npm project that installed the packed
// tarballs. Codex.start() gets no codexBin: the runtime must come from the installed platform
// package. Prints one JSON line with what it saw; exits non-zero on any failure.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Codex, PINNED_RUNTIME_VERSION, SDK_VERSION } from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { createTestEnvironment, reply } from "@codex/sdk-testing";
import { checkEqual, exampleEnvironment, requestedMode } from "@codex/sdk-testing/examples";

assert.equal(
  process.env.CODEX_BIN,
  undefined,
  "CODEX_BIN must not be set: the runtime has to come from the installed package",
);
const projectDir = process.cwd();
const sdkEntry = fileURLToPath(import.meta.resolve("@codex/sdk"));
assert.ok(
  sdkEntry.startsWith(path.join(projectDir, "node_modules")),
  `@codex/sdk loaded from ${sdkEntry}, not from this project`,
);
assert.ok(
  fileURLToPath(import.meta.resolve("@codex/sdk/rpc")).endsWith("rpc.js"),
  "@codex/sdk/rpc must load its ESM build",
);

// The versions the code reports are the staged manifests' versions.
const require = createRequire(import.meta.url);
const sdkCoreVersion = require("@codex/sdk-core/package.json").version;
assert.equal(SDK_VERSION, sdkCoreVersion);
assert.equal(PINNED_RUNTIME_VERSION, require("@codex/sdk/package.json").dependencies["@codex/cli-bin"]);

const runtime = await resolveRuntime();
assert.equal(runtime.source, "package");
assert.ok(
  runtime.codexBin.startsWith(path.join(projectDir, "node_modules", "@codex")),
  `runtime at ${runtime.codexBin}`,
);

const env = await createTestEnvironment();
try {
  env.fakeModel.enqueue(reply.text("Hello from the ESM consumer."));
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
    assert.equal(result.finalResponse, "Hello from the ESM consumer.");
    console.log(
      JSON.stringify({
        module: "esm",
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

// The examples' harness (@codex/sdk-testing/examples): offline, it leaves the binary to the
// installed runtime (no codexBin) and starts codex against its fake model.
assert.equal(requestedMode({}).mode, "offline");
{
  const example = await exampleEnvironment({ announce: false });
  try {
    assert.equal(
      example.options.codexBin,
      undefined,
      "exampleEnvironment() must leave the installed runtime to Codex.start()",
    );
    example.fake.enqueue(reply.text("Hello from the examples harness."));
    const codex = await Codex.start(example.options);
    try {
      const result = await (await codex.threadStart()).run("Say hello");
      checkEqual(result.finalResponse, "Hello from the examples harness.", "the examples harness's turn");
      console.log(
        JSON.stringify({ module: "esm", harness: "@codex/sdk-testing/examples", finalResponse: result.finalResponse }),
      );
    } finally {
      await codex.close();
    }
  } finally {
    await example.dispose();
  }
}
