// What a user reads when a start goes wrong, and that a healthy start says nothing alarming:
// a binary that exits at once is reported with its exit code and stderr (not "write EPIPE"),
// and the real app-server, started from its runtime layout, logs no ERROR line (its bundled
// bubblewrap is on the child's PATH).
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { reply } from "@codex/sdk-testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Codex, TransportClosedError, type LogLevel } from "../../src/index.js";
import { spawnAppServer } from "../../src/rpc.js";
import { codexBin, createEnvironment } from "../support/real-server.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "codex-sdk-start-messages-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe.skipIf(process.platform === "win32")("a binary that exits at once", () => {
  test("→ TransportClosedError with its exit code and stderr, not a bare write EPIPE", {
    timeout: 15_000,
  }, async () => {
    const bin = script("exits-at-once", 'echo "error: unknown feature flag" >&2\nexit 7');
    const error = await Codex.start({ codexBin: bin }).catch((caught: unknown) => caught);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    const closed = error as TransportClosedError;
    expect(closed.exitCode).toBe(7);
    expect(closed.stderrTail).toContain("unknown feature flag");
    expect(closed.message).toContain("exited with code 7");
    expect(closed.message).toContain("unknown feature flag");
    expect(closed.message).not.toMatch(/^writing to the app-server failed/);
  });

  test("a server that closes its stdin and keeps running is ended on the failed write, and the error carries its stderr", {
    timeout: 20_000,
  }, async () => {
    // exec 0<&- closes stdin; the process lives on until the SDK ends it.
    const bin = script("closes-stdin", 'exec 0<&-\necho "stdin closed on purpose" >&2\nexec sleep 30');
    let announced!: () => void;
    const stdinClosed = new Promise<void>((resolve) => (announced = resolve));
    const transport = await spawnAppServer({
      launchArgs: [bin],
      logger: (_level, message) => {
        if (message.includes("stdin closed on purpose")) announced();
      },
    });
    transport.start({ message: () => {} });
    await stdinClosed;
    const error = await transport.send({}).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TransportClosedError.isInstance(error)).toBe(true);
    const closed = error as TransportClosedError;
    expect(closed.signal ?? closed.exitCode).not.toBeNull();
    expect(closed.stderrTail).toContain("stdin closed on purpose");
    expect(transport.exited).toBe(true);
  });
});

describe("a healthy start of the real app-server", () => {
  test("logs no ERROR line: the runtime's bundled helpers are on the child's PATH", { timeout: 30_000 }, async () => {
    const lines: { level: LogLevel; message: string }[] = [];
    const logger = (level: LogLevel, message: string): void => {
      lines.push({ level, message });
    };
    await using env = await createEnvironment();
    env.fakeModel.enqueue(reply.text("fine"));
    // No system bubblewrap on PATH: the child must find the runtime's own (codex-resources/bwrap).
    const withoutSystemBwrap = (process.env["PATH"] ?? "")
      .split(path.delimiter)
      .filter((entry) => !isExecutable(path.join(entry, "bwrap")))
      .join(path.delimiter);
    const codex = await Codex.start({ codexBin, ...env, env: { ...env.env, PATH: withoutSystemBwrap }, logger });
    let tail: string;
    try {
      const result = await (await codex.threadStart()).run("hello");
      expect(result.status).toBe("completed");
    } finally {
      await codex.close();
      tail = (await codex.client.closed).stderrTail;
    }
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(tail).not.toMatch(/\bERROR\b/);
    expect(tail).not.toContain("could not find bubblewrap");
  });
});

function isExecutable(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
