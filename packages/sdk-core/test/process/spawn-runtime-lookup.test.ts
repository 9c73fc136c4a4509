// spawnAppServer finds its binary through the one runtime lookup: codexBin, then CODEX_BIN, then
// resolveCodexBin; and a binary inside a runtime layout gets the layout's helper folders on PATH.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnAppServer, type ProcessTransport } from "../../src/rpc.js";

let temp: string;
let savedCodexBin: string | undefined;
const transports: ProcessTransport[] = [];

beforeAll(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-spawn-lookup-"));
  savedCodexBin = process.env["CODEX_BIN"];
});
afterEach(async () => {
  if (savedCodexBin === undefined) delete process.env["CODEX_BIN"];
  else process.env["CODEX_BIN"] = savedCodexBin;
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

/** A runtime layout whose bin/codex prints its PATH on stderr and exits. */
function layout(name: string): { codexBin: string; dir: string } {
  const dir = path.join(temp, name);
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  mkdirSync(path.join(dir, "codex-path"));
  mkdirSync(path.join(dir, "codex-resources"));
  writeFileSync(
    path.join(dir, "codex-package.json"),
    JSON.stringify({
      layoutVersion: 1,
      entrypoint: "bin/codex",
      pathDir: "codex-path",
      resourcesDir: "codex-resources",
    }),
  );
  const codexBin = path.join(dir, "bin", "codex");
  writeFileSync(codexBin, '#!/bin/sh\necho "PATH=$PATH" >&2\n');
  chmodSync(codexBin, 0o755);
  return { codexBin, dir };
}

describe.skipIf(process.platform === "win32")("spawnAppServer and the runtime lookup", () => {
  it("uses CODEX_BIN before resolveCodexBin, and gives a layout binary its helper folders on PATH", async () => {
    const fromEnv = layout("from-env");
    const fromResolver = layout("from-resolver");
    process.env["CODEX_BIN"] = fromEnv.codexBin;
    const transport = await spawnAppServer({
      resolveCodexBin: () => fromResolver.codexBin,
      env: { PATH: "/usr/bin:/bin" },
    });
    transports.push(transport);
    transport.start({ message: () => {} });
    expect(transport.argv[0]).toBe(fromEnv.codexBin);
    const info = await transport.closed;
    expect(info.stderrTail).toContain(
      `PATH=${path.join(fromEnv.dir, "codex-path")}:/usr/bin:/bin:${path.join(fromEnv.dir, "codex-resources")}`,
    );
  });

  it("codexBin wins over CODEX_BIN", async () => {
    const explicit = layout("explicit");
    process.env["CODEX_BIN"] = layout("ignored").codexBin;
    const transport = await spawnAppServer({ codexBin: explicit.codexBin });
    transports.push(transport);
    transport.start({ message: () => {} });
    expect(transport.argv[0]).toBe(explicit.codexBin);
    await transport.closed;
  });
});
