// `Codex.start()` of @codex/sdk against the real pinned app-server and the fake model: the
// runtime it finds, the version it checks, the PATH it gives the child, and the errors of a
// missing runtime. The binary is wrapped in a small shell script that logs each launch (pid and
// PATH) and then execs codex, so the pid is the app-server's own.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTestEnvironment, reply, resolveCodexBin, type TestEnvironment } from "@codex/sdk-testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  AbortError,
  Codex,
  IncompatibleServerError,
  PINNED_RUNTIME_VERSION,
  RuntimeNotFoundError,
} from "../src/index.js";
import { RUNTIME_PLATFORMS } from "@codex/sdk-core/internal";
import { isProcessAlive } from "../../sdk-core/test/support/processes.js";

const posix = process.platform !== "win32";
const realCodex = resolveCodexBin();

let temp: string;
let env: TestEnvironment;
let savedCodexBin: string | undefined;

beforeAll(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-start-test-"));
  // Each test names its binary explicitly; an inherited CODEX_BIN would win over the package lookup.
  savedCodexBin = process.env["CODEX_BIN"];
  delete process.env["CODEX_BIN"];
});
afterAll(() => {
  if (savedCodexBin !== undefined) process.env["CODEX_BIN"] = savedCodexBin;
  rmSync(temp, { recursive: true, force: true });
});
beforeEach(async () => {
  env = await createTestEnvironment();
});
afterEach(async () => {
  await env.dispose();
});

/** A runtime layout whose bin/codex logs "<pid> <PATH>" to `log` and execs the real codex (or fakes `--version`). */
function wrappedRuntime(
  name: string,
  options: { reportVersion?: string } = {},
): { codexBin: string; log: string; pathDir: string } {
  const layout = path.join(temp, name);
  const log = path.join(layout, "launches.log");
  const pathDir = path.join(layout, "codex-path");
  mkdirSync(path.join(layout, "bin"), { recursive: true });
  mkdirSync(pathDir);
  writeFileSync(
    path.join(layout, "codex-package.json"),
    JSON.stringify({
      layoutVersion: 1,
      version: PINNED_RUNTIME_VERSION,
      entrypoint: "bin/codex",
      pathDir: "codex-path",
    }),
  );
  const fakeVersion = options.reportVersion
    ? `if [ "$1" = "--version" ]; then echo "codex-cli ${options.reportVersion}"; exit 0; fi\n`
    : "";
  const codexBin = path.join(layout, "bin", "codex");
  writeFileSync(codexBin, `#!/bin/sh\necho "$$ $PATH" >> '${log}'\n${fakeVersion}exec '${realCodex}' "$@"\n`);
  chmodSync(codexBin, 0o755);
  return { codexBin, log, pathDir };
}

function launches(log: string): { pid: number; path: string }[] {
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const space = line.indexOf(" ");
      return { pid: Number(line.slice(0, space)), path: line.slice(space + 1) };
    });
}

describe.skipIf(!posix)("Codex.start() of @codex/sdk", () => {
  it("checks the version, puts the runtime's codex-path first on PATH, and completes a turn", {
    timeout: 60_000,
  }, async () => {
    const runtime = wrappedRuntime("pinned");
    env.fakeModel.enqueue(reply.text("Hello from the pinned runtime."));
    const codex = await Codex.start({ ...env, codexBin: runtime.codexBin });
    let appServerPid: number;
    try {
      expect(codex.metadata.serverVersion).toBe(PINNED_RUNTIME_VERSION);
      expect(codex).toBeInstanceOf(Codex);
      const result = await (await codex.threadStart()).run("Say hello");
      expect(result.status).toBe("completed");
      expect(result.finalResponse).toBe("Hello from the pinned runtime.");
      const [versionCheck, appServer] = launches(runtime.log);
      // First `codex --version` (the version check), then the app-server itself.
      expect(versionCheck?.path.split(":")[0]).not.toBe(runtime.pathDir);
      expect(appServer?.path.split(":")[0]).toBe(runtime.pathDir);
      appServerPid = appServer!.pid;
      expect(isProcessAlive(appServerPid)).toBe(true);
    } finally {
      await codex.close();
    }
    expect(isProcessAlive(appServerPid)).toBe(false);
  });

  it("refuses a binary of another version before starting it, naming both versions", { timeout: 30_000 }, async () => {
    const runtime = wrappedRuntime("other-version", { reportVersion: "0.1.0" });
    const error = await Codex.start({ ...env, codexBin: runtime.codexBin }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(IncompatibleServerError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("codex 0.1.0");
    expect((error as Error).message).toContain(`pinned to codex runtime ${PINNED_RUNTIME_VERSION}`);
    // Only the `--version` call ran: no app-server was started.
    expect(launches(runtime.log)).toHaveLength(1);
  });

  it("starts that binary anyway with checkRuntimeVersion: false", { timeout: 60_000 }, async () => {
    const runtime = wrappedRuntime("unchecked", { reportVersion: "0.1.0" });
    env.fakeModel.enqueue(reply.text("unchecked"));
    const codex = await Codex.start({ ...env, codexBin: runtime.codexBin, checkRuntimeVersion: false });
    try {
      expect((await (await codex.threadStart()).run("hi")).finalResponse).toBe("unchecked");
    } finally {
      await codex.close();
    }
    const [appServer] = launches(runtime.log);
    expect(isProcessAlive(appServer!.pid)).toBe(false);
  });

  it("uses CODEX_BIN when no codexBin is given", { timeout: 60_000 }, async () => {
    const runtime = wrappedRuntime("from-env");
    process.env["CODEX_BIN"] = runtime.codexBin;
    try {
      const codex = await Codex.start({ ...env });
      await codex.close();
    } finally {
      delete process.env["CODEX_BIN"];
    }
    expect(launches(runtime.log)).toHaveLength(2);
  });

  it("uses resolveCodexBin when neither codexBin nor CODEX_BIN is set, and checks that binary too", {
    timeout: 60_000,
  }, async () => {
    const runtime = wrappedRuntime("from-resolver");
    const codex = await Codex.start({ ...env, resolveCodexBin: async () => runtime.codexBin });
    try {
      // A real instance of @codex/sdk's class, made by sdk-core's start() through the subclass.
      expect(Object.getPrototypeOf(codex)).toBe(Codex.prototype);
    } finally {
      await codex.close();
    }
    // `--version` (the check), then the app-server.
    expect(launches(runtime.log)).toHaveLength(2);
  });

  it("an already aborted signal rejects with AbortError before the runtime is even asked its version", {
    timeout: 30_000,
  }, async () => {
    const runtime = wrappedRuntime("aborted");
    const error = await Codex.start({ ...env, codexBin: runtime.codexBin, signal: AbortSignal.abort() }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(AbortError.isInstance(error)).toBe(true);
    expect(existsSync(runtime.log)).toBe(false);
  });

  it("without codexBin or CODEX_BIN, names the runtime package this machine needs", { timeout: 30_000 }, async () => {
    // In this repository the platform packages are manifest-only: the lookup finds this
    // machine's package but no binary in it.
    const expected = RUNTIME_PLATFORMS.find(
      (platform) => platform.os === process.platform && platform.cpu === process.arch,
    );
    const error = await Codex.start({ ...env }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ packageName: expected?.packageName });
    // Advice that is safe on every platform: reinstall with optional dependencies, then the doctor.
    expect((error as Error).message).not.toContain(`npm install ${expected?.packageName}`);
    expect((error as Error).message).toContain("optional dependencies included");
    expect((error as Error).message).toContain("npx codex-sdk doctor");
  });
});
