// Codex.start(): eager, typed failures, no process left behind; metadata; close.
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AbortError,
  Codex,
  GENERATED_FOR_CODEX_VERSION,
  IncompatibleServerError,
  InvalidInputError,
  RuntimeNotFoundError,
  TransportClosedError,
} from "../../src/index.js";
import { FAKE_APP_SERVER, isProcessAlive } from "../support/processes.js";
import { codexBin, startRealServer } from "../support/real-server.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-start-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let runs = 0;
/** launchArgs for the fake server in `mode`, and a function returning its pid once written. */
function fakeServer(mode: string): { launchArgs: string[]; pid: () => number } {
  const pidFile = path.join(dir, `pid-${mode}-${runs++}`);
  return {
    launchArgs: [process.execPath, FAKE_APP_SERVER, mode, "--pid-file", pidFile],
    pid: () => Number(readFileSync(pidFile, "utf8")),
  };
}

async function withoutCodexBinEnv<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env["CODEX_BIN"];
  delete process.env["CODEX_BIN"];
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env["CODEX_BIN"] = saved;
  }
}

describe("Codex.start() failures", () => {
  test("no binary anywhere → RuntimeNotFoundError saying to install @codex/sdk or pass codexBin", {
    timeout: 5_000,
  }, async () => {
    const error = await withoutCodexBinEnv(() => Codex.start().catch((e: unknown) => e));
    expect(error).toBeInstanceOf(RuntimeNotFoundError);
    expect((error as Error).message).toMatch(/@codex\/sdk/);
    expect((error as Error).message).toMatch(/codexBin/);
  });

  test("codexBin pointing to a missing file → RuntimeNotFoundError naming the path", { timeout: 5_000 }, async () => {
    const missing = path.join(dir, "no-such-codex");
    const error = await Codex.start({ codexBin: missing }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeNotFoundError);
    expect((error as Error).message).toContain(missing);
  });

  test("CODEX_BIN pointing to a missing file → RuntimeNotFoundError naming CODEX_BIN", { timeout: 5_000 }, async () => {
    const saved = process.env["CODEX_BIN"];
    process.env["CODEX_BIN"] = path.join(dir, "also-missing");
    try {
      const error = await Codex.start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RuntimeNotFoundError);
      expect((error as Error).message).toMatch(/CODEX_BIN/);
    } finally {
      if (saved === undefined) delete process.env["CODEX_BIN"];
      else process.env["CODEX_BIN"] = saved;
    }
  });

  test("the server exiting at start-up → TransportClosedError with exitCode and stderrTail", {
    timeout: 10_000,
  }, async () => {
    const server = fakeServer("exit");
    const error = await Codex.start({ launchArgs: server.launchArgs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    const closed = error as TransportClosedError;
    expect(closed.exitCode).toBe(3);
    expect(closed.stderrTail).toContain("loading config.toml");
    expect(closed.message).toContain("loading config.toml");
    expect(isProcessAlive(server.pid())).toBe(false);
  });

  test("the server closing stdout → TransportClosedError, and the process is ended", { timeout: 15_000 }, async () => {
    const server = fakeServer("close-stdout");
    const error = await Codex.start({ launchArgs: server.launchArgs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportClosedError);
    expect(isProcessAlive(server.pid())).toBe(false);
  });

  test("a server older than the generated protocol → IncompatibleServerError, and the process is ended", {
    timeout: 10_000,
  }, async () => {
    const server = fakeServer("old");
    const error = await Codex.start({ launchArgs: server.launchArgs }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncompatibleServerError);
    expect(error).toMatchObject({ serverVersion: "0.100.0", requiredVersion: GENERATED_FOR_CODEX_VERSION });
    expect((error as Error).message).toContain(`${GENERATED_FOR_CODEX_VERSION} or newer`);
    expect(isProcessAlive(server.pid())).toBe(false);
  });

  test("signal aborted during initialize → AbortError, and the process is ended", { timeout: 15_000 }, async () => {
    const server = fakeServer("silent");
    const controller = new AbortController();
    const starting = Codex.start({ launchArgs: server.launchArgs, signal: controller.signal });
    await expect.poll(() => existsSync(path.join(dir, `pid-silent-${runs - 1}`))).toBe(true);
    controller.abort();
    const error = await starting.catch((e: unknown) => e);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(isProcessAlive(server.pid())).toBe(false);
  });

  test("an already aborted signal → AbortError before anything is spawned", { timeout: 5_000 }, async () => {
    const server = fakeServer("silent");
    const error = await Codex.start({ launchArgs: server.launchArgs, signal: AbortSignal.abort() }).catch(
      (e: unknown) => e,
    );
    expect(AbortError.isInstance(error)).toBe(true);
    expect(() => server.pid()).toThrow();
  });

  test("no initialize answer within requestTimeoutMs → TimeoutError, and the process is ended", {
    timeout: 15_000,
  }, async () => {
    const server = fakeServer("silent");
    const error = await Codex.start({ launchArgs: server.launchArgs, requestTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(isProcessAlive(server.pid())).toBe(false);
  });

  test("opting out of turn/completed is refused", { timeout: 5_000 }, async () => {
    await expect(Codex.start({ codexBin, optOutNotifications: ["turn/completed"] })).rejects.toThrow(InvalidInputError);
  });

  test("a bad limit is an InvalidInputError before anything is spawned", { timeout: 5_000 }, async () => {
    // A missing binary would be a RuntimeNotFoundError: the options are checked first.
    const missing = path.join(dir, "no-such-codex");
    for (const limits of [
      { maxInFlight: 0 },
      { maxMessageBytes: -1 },
      { requestTimeoutMs: Number.NaN },
      { requestTimeoutMs: 0 },
    ]) {
      await expect(Codex.start({ codexBin: missing, ...limits })).rejects.toThrow(InvalidInputError);
    }
  });
});

describe("Codex.start() against the real app-server", () => {
  test("metadata carries the initialize answer and the server version; close() is idempotent", {
    timeout: 20_000,
  }, async () => {
    await using t = await startRealServer();
    const { metadata } = t.codex;
    expect(metadata.serverVersion).toBe(GENERATED_FOR_CODEX_VERSION);
    expect(metadata.userAgent.startsWith(`codex_sdk_ts/${GENERATED_FOR_CODEX_VERSION} `)).toBe(true);
    expect(metadata.codexHome).toBe(t.env.codexHome);
    expect(metadata.platformOs).toBe(process.platform === "darwin" ? "macos" : process.platform);
    await t.codex.close();
    await t.codex.close();
    expect((await t.codex.client.closed).exitCode).toBe(0);
  });

  test("clientInfo is sent; resolveCodexBin is used when no codexBin is given", { timeout: 20_000 }, async () => {
    await withoutCodexBinEnv(async () => {
      let resolved = 0;
      await using t = await startRealServer({
        codex: {
          codexBin: undefined,
          resolveCodexBin: () => {
            resolved++;
            return codexBin;
          },
          clientInfo: { name: "my_app", version: "9.9.9" },
        },
      });
      expect(resolved).toBe(1);
      expect(t.codex.metadata.userAgent.startsWith(`my_app/${GENERATED_FOR_CODEX_VERSION} `)).toBe(true);
    });
  });

  test("await using closes the app-server at the end of the scope", { timeout: 20_000 }, async () => {
    let codex: Codex;
    {
      await using t = await startRealServer();
      codex = t.codex;
      expect(codex.client.isClosed).toBe(false);
    }
    expect(codex.client.isClosed).toBe(true);
    expect((await codex.client.closed).exitCode).toBe(0);
  });
});
