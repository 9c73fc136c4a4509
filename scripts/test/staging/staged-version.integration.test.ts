// The SDK version a staged package reports is the staged one: @codex/protocol-types and
// @codex/sdk-core staged with `--sdk-version 1.2.3` into a node_modules of their own, loaded from
// there, complete a turn against the real pinned app-server, and the `initialize` request on the
// wire says `clientInfo.version: "1.2.3"`. Needs the packages built (pnpm test builds first).
import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createTestEnvironment,
  QUIET_APP_SERVER_ARGS,
  reply,
  resolveCodexBin,
  type TestEnvironment,
} from "@codex/sdk-testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stageJsPackage } from "../../staging/stage-packages.js";
import type * as SdkCore from "@codex/sdk-core";
import type * as SdkCoreRpc from "@codex/sdk-core/rpc";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

let temp: string;
let env: TestEnvironment;
beforeAll(async () => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-staged-version-test-"));
  env = await createTestEnvironment();
});
afterAll(async () => {
  await env?.dispose();
  rmSync(temp, { recursive: true, force: true });
});

it("a staged sdk-core sends its staged version as clientInfo.version", { timeout: 90_000 }, async () => {
  const modules = path.join(temp, "node_modules", "@codex");
  for (const name of ["protocol-types", "sdk-core"] as const) {
    const staged = await stageJsPackage({
      repoRoot,
      package: name,
      stagingDir: path.join(modules, name),
      sdkVersion: "1.2.3",
    });
    expect(staged.version).toBe("1.2.3");
  }
  // Third-party dependencies (ws) come from the repository's install, as npm would place them.
  const manifest = JSON.parse(readFileSync(path.join(modules, "sdk-core", "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {}).filter((name) => !name.startsWith("@codex/"))) {
    symlinkSync(
      realpathSync(path.join(repoRoot, "packages", "sdk-core", "node_modules", dependency)),
      path.join(temp, "node_modules", dependency),
      "dir",
    );
  }
  const sdkCore = (await import(
    pathToFileURL(path.join(modules, "sdk-core", "dist", "index.js")).href
  )) as typeof SdkCore;
  expect(sdkCore.SDK_VERSION).toBe("1.2.3");
  const sdkCoreRpc = (await import(
    pathToFileURL(path.join(modules, "sdk-core", "dist", "rpc.js")).href
  )) as typeof SdkCoreRpc;

  // A tap on the transport keeps every message the client sends.
  const sent: { method?: string; params?: { clientInfo?: { version?: string } } }[] = [];
  const inner = await sdkCoreRpc.spawnAppServer({
    codexBin: resolveCodexBin(),
    codexHome: env.codexHome,
    env: env.env,
    args: QUIET_APP_SERVER_ARGS,
  });
  const transport: SdkCoreRpc.Transport = {
    start: (receiver) => inner.start(receiver),
    send: (message) => {
      sent.push(message as (typeof sent)[number]);
      return inner.send(message);
    },
    close: (reason) => inner.close(reason),
    get closed() {
      return inner.closed;
    },
  };
  env.fakeModel.enqueue(reply.text("Hello from a staged SDK."));
  const codex = await sdkCore.Codex.start({ ...env, transport });
  try {
    const result = await (await codex.threadStart()).run("Say hello");
    expect(result.finalResponse).toBe("Hello from a staged SDK.");
  } finally {
    await codex.close();
  }

  const initialize = sent.find((message) => message.method === "initialize");
  expect(initialize?.params?.clientInfo?.version).toBe("1.2.3");
});
