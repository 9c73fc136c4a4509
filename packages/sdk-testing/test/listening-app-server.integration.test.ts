// startListeningAppServer() against the real app-server: it resolves only once the server accepts
// connections (ws and unix), stop()/kill()/`await using` end the process, and a server that exits
// before listening rejects with its stderr and leaves nothing running.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnvironment, type TestEnvironment } from "../src/codex-home.js";
import { startListeningAppServer } from "../src/listening-app-server.js";
import { isPortOpen, isProcessAlive } from "./support/processes.js";

let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment();
}, 20_000);

afterAll(async () => {
  await env?.dispose();
});

describe("startListeningAppServer", () => {
  it("listens on a free loopback port, accepts connections, and stop() ends it", async () => {
    const server = await startListeningAppServer({ home: env });
    try {
      expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(server.url).port);
      expect(port).toBeGreaterThan(0);
      expect(await isPortOpen(port)).toBe(true);
      expect(isProcessAlive(server.pid)).toBe(true);
      await server.stop();
      expect(isProcessAlive(server.pid)).toBe(false);
      expect(await isPortOpen(port)).toBe(false);
      await server.stop(); // idempotent
    } finally {
      await server.kill();
    }
  }, 30_000);

  it("listens on a unix socket; `await using` ends it; after a crash only a listening server counts as ready", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "codex-listen-"));
    const socket = path.join(dir, "app-server.sock");
    try {
      let pid = 0;
      {
        await using server = await startListeningAppServer({ home: env, listen: `unix://${socket}` });
        pid = server.pid;
        expect(server.url).toBe(`unix://${socket}`);
        expect(existsSync(socket)).toBe(true);
      }
      expect(isProcessAlive(pid)).toBe(false);

      // A crash leaves the socket file behind: a server that never listens is not taken for ready ...
      const crashed = await startListeningAppServer({ home: env, listen: `unix://${socket}` });
      await crashed.kill();
      expect(isProcessAlive(crashed.pid)).toBe(false);
      const silent = path.join(dir, "silent-codex");
      writeFileSync(silent, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
      const error = await startListeningAppServer({
        home: env,
        listen: `unix://${socket}`,
        codexBin: silent,
        readyTimeoutMs: 1_000,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/did not listen/);
      // ... and a real one restarted on the same path is.
      await using restarted = await startListeningAppServer({ home: env, listen: `unix://${socket}` });
      expect(isProcessAlive(restarted.pid)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("rejects with the server's stderr when it exits before listening, leaving no process", async () => {
    const error = await startListeningAppServer({ home: env, args: ["--no-such-flag"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/exited \(\d+\) before listening/);
    expect((error as Error).message).toContain("--no-such-flag");
  }, 30_000);

  it("rejects when the binary cannot be started", async () => {
    const error = await startListeningAppServer({ home: env, codexBin: path.join(os.tmpdir(), "no-such-codex") }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toContain("could not start");
  }, 30_000);
});
