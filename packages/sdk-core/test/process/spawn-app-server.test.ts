// The stdio transport against small Node stand-ins for the app-server (fast, and able to
// misbehave on purpose). The real binary is exercised in app-server.integration.test.ts.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError, RuntimeNotFoundError, TransportClosedError } from "../../src/errors.js";
import { spawnAppServer } from "../../src/process/spawn-app-server.js";
import type { SpawnAppServerOptions } from "../../src/process/spawn-app-server.js";
import { StderrTail } from "../../src/process/stderr-tail.js";
import { AppServerClient } from "../../src/rpc/client.js";
import { FAKE_APP_SERVER as fixture, isProcessAlive } from "../support/processes.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const tempDir = mkdtempSync(path.join(os.tmpdir(), "sdk-core-spawn-test-"));
const spawned: number[] = [];

afterAll(() => {
  for (const pid of spawned) expect(isProcessAlive(pid), `process ${pid} still running`).toBe(false);
  rmSync(tempDir, { recursive: true, force: true });
});

async function start(mode: string, options: SpawnAppServerOptions = {}, extra: string[] = []) {
  const transport = await spawnAppServer({ launchArgs: [process.execPath, fixture, mode, ...extra], ...options });
  spawned.push(transport.pid);
  const client = new AppServerClient(transport, { logger: options.logger });
  return { transport, client };
}

interface Echo {
  argv: string[];
  env: Record<string, string | null>;
  cwd: string;
  method: string;
  params: unknown;
}

describe("spawnAppServer", () => {
  it("appends config flags and args, merges env over process.env, sets CODEX_HOME and cwd, and reads past a banner", async () => {
    process.env["REMOVED_BY_TEST"] = "still here";
    try {
      const { transport, client } = await start("echo", {
        config: { model: 'a "quoted" ü', nested: { flag: true } },
        args: ["--disable", "plugins"],
        env: { FOO: "bar", REMOVED_BY_TEST: undefined },
        codexHome: tempDir,
        cwd: tempDir,
      });
      expect(transport.argv).toEqual([
        process.execPath,
        fixture,
        "echo",
        "--config",
        'model="a \\"quoted\\" ü"',
        "--config",
        "nested.flag=true",
        "--disable",
        "plugins",
      ]);
      const echo = (await client.requestUnchecked("x/y", { a: 1 })) as Echo;
      expect(echo.argv).toEqual(transport.argv.slice(2));
      expect(echo.env).toEqual({ FOO: "bar", CODEX_HOME: tempDir, REMOVED: null });
      expect(echo.cwd).toBe(tempDir);
      expect(echo.params).toEqual({ a: 1 });
      await client.close();
      const info = await transport.closed;
      expect(info).toMatchObject({ exitCode: 0, signal: null });
      expect(transport.exited).toBe(true);
    } finally {
      delete process.env["REMOVED_BY_TEST"];
    }
  });

  it("builds [codexBin, 'app-server', ...] from resolveCodexBin", async () => {
    const script = path.join(tempDir, "fake-codex.mjs");
    writeFileSync(script, `#!${process.execPath}\nimport(${JSON.stringify(fixture)});\n`);
    chmodSync(script, 0o755);
    // CODEX_BIN would win over resolveCodexBin (the runtime lookup's order).
    const saved = process.env["CODEX_BIN"];
    delete process.env["CODEX_BIN"];
    let transport: Awaited<ReturnType<typeof spawnAppServer>>;
    try {
      transport = await spawnAppServer({ resolveCodexBin: async () => script, args: ["echo"] });
    } finally {
      if (saved !== undefined) process.env["CODEX_BIN"] = saved;
    }
    spawned.push(transport.pid);
    const client = new AppServerClient(transport);
    expect(transport.argv).toEqual([script, "app-server", "echo"]);
    const echo = (await client.requestUnchecked("ping", {})) as Echo;
    expect(echo.method).toBe("ping");
    await client.close();
  });

  it("close(): stdin EOF, then SIGTERM after the grace period", async () => {
    const { transport, client } = await start("term", { closeGraceMs: 100, terminateGraceMs: 5000 });
    // One round trip first: the stand-in must be up before the signal, like a real server after initialize.
    await client.requestUnchecked("ready", {});
    await client.close();
    const info = await transport.closed;
    expect(info.signal).toBe("SIGTERM");
    expect(isProcessAlive(transport.pid)).toBe(false);
  });

  it("close(): SIGKILL when SIGTERM is ignored; the child never outlives close()", async () => {
    const { transport, client } = await start("stubborn", { closeGraceMs: 100, terminateGraceMs: 100 });
    await client.requestUnchecked("ready", {});
    await client.close();
    expect((await transport.closed).signal).toBe("SIGKILL");
    expect(() => process.kill(transport.pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    const error = await client.closed;
    expect(error.signal).toBe("SIGKILL");
  });

  it("a crash rejects pending requests with TransportClosedError carrying exit code and stderr tail; stderr goes to the logger", async () => {
    const logged: { level: string; message: string }[] = [];
    const { client } = await start("crash", { logger: (level, message) => logged.push({ level, message }) });
    const error = (await client.requestUnchecked("x", {}).catch((e: unknown) => e)) as TransportClosedError;
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect(error.exitCode).toBe(3);
    expect(error.signal).toBeNull();
    expect(error.stderrTail).toContain("thread 'main' panicked");
    expect(error.message).toContain("exited with code 3");
    expect(error.message).toContain("panicked");
    expect(logged).toContainEqual({ level: "error", message: "[codex] ERROR fake: something broke" });
    expect(logged).toContainEqual({ level: "warn", message: "[codex] WARN fake: starting" });
  });

  it("keeps only the last lines of stderr, without ANSI colours", async () => {
    const { transport, client } = await start("chatty", { stderrTailLines: 5 }, ["300"]);
    await client.requestUnchecked("x", {});
    await client.close();
    const tail = transport.stderrTail().split("\n");
    expect(tail[0]).toMatch(/earlier line/);
    expect(tail.slice(1)).toEqual([
      "stamp INFO chatty line 296",
      "stamp INFO chatty line 297",
      "stamp INFO chatty line 298",
      "stamp INFO chatty line 299",
      "WARN fake: starting",
    ]);
  });

  it("keeps output that arrives after the exit even when the event loop stalls past the stdio deadline", {
    timeout: 15_000,
  }, async () => {
    // The server exits while a process it started still holds its stderr and writes to it a
    // moment later. Meanwhile this process's event loop is blocked for longer than the wait for
    // stdio after an exit: when it resumes, the overdue deadline must not discard what is
    // already sitting in the pipe.
    const script = path.join(tempDir, "exits-before-its-helper.sh");
    writeFileSync(script, '#!/bin/sh\necho "line 1" >&2\n( sleep 0.3; echo "line 2 from the helper" >&2 ) &\nexit 0\n');
    chmodSync(script, 0o755);
    const transport = await spawnAppServer({ launchArgs: [script] });
    spawned.push(transport.pid);
    transport.start({ message: () => {} });
    while (!transport.exited) await new Promise((resolve) => setTimeout(resolve, 5));
    // Blocked from a setImmediate callback: the next thing the loop runs is its timers phase,
    // before it polls the pipes (the order in which a stall hurts).
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        const blockUntil = Date.now() + 1_500;
        while (Date.now() < blockUntil) {
          // Busy: nothing else runs, and the helper writes its line meanwhile.
        }
        resolve();
      }),
    );
    const info = await transport.closed;
    expect(info.stderrTail).toContain("line 2 from the helper");
  });

  it("rejects a missing binary with RuntimeNotFoundError", async () => {
    const missing = path.join(tempDir, "no-such-codex");
    const error = (await spawnAppServer({ codexBin: missing }).catch((e: unknown) => e)) as RuntimeNotFoundError;
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.path).toBe(missing);
    expect(error.message).toContain("does not exist");
  });

  it("rejects a binary without execute permission with RuntimeNotFoundError", async () => {
    const file = path.join(tempDir, "not-executable");
    writeFileSync(file, "#!/bin/sh\necho hi\n");
    chmodSync(file, 0o644);
    const error = (await spawnAppServer({ codexBin: file }).catch((e: unknown) => e)) as RuntimeNotFoundError;
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/not executable/);
    expect(error.fix).toMatch(/chmod/);
  });

  it("rejects when no binary is given at all, and a cwd that is not a directory", async () => {
    expect(RuntimeNotFoundError.isInstance(await spawnAppServer({}).catch((e: unknown) => e))).toBe(true);
    await expect(
      spawnAppServer({ launchArgs: [process.execPath, fixture], cwd: path.join(tempDir, "nope") }),
    ).rejects.toThrow(/not a directory/);
  });

  it("rejects bad options with InvalidInputError (a CodexError), before spawning anything", async () => {
    const bad: SpawnAppServerOptions[] = [
      { launchArgs: [process.execPath, fixture], cwd: path.join(tempDir, "nope") },
      { launchArgs: [] },
      { launchArgs: [process.execPath, fixture], config: { "a.b": 1 } },
      { launchArgs: [process.execPath, fixture], config: { model: Symbol("x") as unknown as string } },
    ];
    for (const options of bad) {
      const error = await spawnAppServer(options).catch((caught: unknown) => caught);
      expect(InvalidInputError.isInstance(error), String(error)).toBe(true);
    }
  });

  it("kills the child when the parent Node process exits without closing it", async () => {
    const parent = path.join(tempDir, "parent.mts");
    const source = path.join(here, "..", "..", "src", "process", "spawn-app-server.ts");
    writeFileSync(
      parent,
      [
        `import { spawnAppServer } from ${JSON.stringify(source)};`,
        `const transport = await spawnAppServer({ launchArgs: [process.execPath, ${JSON.stringify(fixture)}, "stubborn"] });`,
        `process.stdout.write(String(transport.pid) + "\\n");`,
        `process.exit(0);`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", parent], {
      cwd: here,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    const pid = Number(output.trim());
    expect(pid).toBeGreaterThan(0);
    spawned.push(pid);
    // The exit hook sends SIGKILL synchronously; give the kernel a moment to reap it.
    for (let attempt = 0; attempt < 50 && isProcessAlive(pid); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe("StderrTail", () => {
  it("keeps the last lines within both budgets and says how many were dropped", () => {
    const tail = new StderrTail(3, 1000);
    for (let index = 0; index < 10; index++) tail.add(`line ${index}`);
    expect(tail.toString()).toBe("[7 earlier line(s) not kept]\nline 7\nline 8\nline 9");
    const small = new StderrTail(100, 10);
    small.add("aaaa");
    small.add("bbbb");
    small.add("cccc");
    expect(small.toString()).toBe("[1 earlier line(s) not kept]\nbbbb\ncccc");
    const long = new StderrTail(100, 5);
    long.add("0123456789");
    expect(long.toString()).toBe("…6789");
    expect(new StderrTail().toString()).toBe("");
  });
});
