// Codex.connect() against the real pinned app-server listening on a WebSocket (TCP and unix
// socket): both auth modes, refused tokens, nothing listening, and a server killed mid-turn
// that comes back on the same port.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { reply, type TestEnvironment } from "@codex/sdk-testing";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthenticationError, Codex, TransportClosedError, type ConnectionState } from "../../src/index.js";
import { defaultControlSocketPath } from "../../src/rpc.js";
import { childPids } from "../support/processes.js";
import { codexBin, createEnvironment, startListeningServer } from "../support/real-server.js";
import { until } from "../support/wait.js";

let env: TestEnvironment;
let tokenFile: string;
let secretFile: string;
const TOKEN = `cap-${randomBytes(16).toString("hex")}`;
// The server reads the secret file as UTF-8 text and signs with its bytes.
const SECRET_TEXT = randomBytes(32).toString("hex");
const SECRET = new TextEncoder().encode(SECRET_TEXT);

beforeAll(async () => {
  env = await createEnvironment({ streamIdleTimeoutMs: 20_000 });
  tokenFile = path.join(env.codexHome, "ws-token");
  secretFile = path.join(env.codexHome, "ws-secret");
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(secretFile, SECRET_TEXT, { mode: 0o600 });
});
afterAll(async () => {
  await env?.dispose();
});

function capabilityArgs(): string[] {
  return ["--ws-auth", "capability-token", "--ws-token-file", tokenFile];
}

function jwt(secret: Uint8Array = SECRET, expiresIn = "5m"): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secret);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function recorder() {
  const lines: string[] = [];
  const logger = (_level: string, message: string, data?: unknown): void => {
    lines.push(data === undefined ? message : `${message} ${safeJson(data)}`);
  };
  return { lines, logger };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

describe("Codex.connect over ws:// with a capability token (--ws-token-file)", () => {
  it("runs a turn with the right token; the token never reaches the trace", { timeout: 60_000 }, async () => {
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", capabilityArgs());
    const log = recorder();
    env.fakeModel.enqueue(reply.text("over the socket"));
    await using codex = await Codex.connect(server.url, { token: TOKEN, logger: log.logger, trace: true });
    expect(codex.metadata.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    const thread = await codex.threadStart({});
    const result = await thread.run("hello");
    expect(result.status).toBe("completed");
    expect(result.finalResponse).toBe("over the socket");
    expect(log.lines.some((line) => line.startsWith("→"))).toBe(true);
    expect(log.lines.join("\n")).not.toContain(TOKEN);
  });

  it("a wrong token → AuthenticationError naming the URL and the auth mode, not a hang; the token is not in it", {
    timeout: 30_000,
  }, async () => {
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", capabilityArgs());
    const wrong = `wrong-${randomBytes(8).toString("hex")}`;
    const error = await Codex.connect(server.url, { token: wrong, connectTimeoutMs: 60_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(AuthenticationError.isInstance(error)).toBe(true);
    const message = (error as AuthenticationError).message;
    expect(message).toContain(server.url);
    expect(message).toMatch(/--ws-token-file/);
    expect(message).not.toContain(wrong);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).tokenSent).toBe(true);
  });

  it("no token → AuthenticationError saying that the server requires one", { timeout: 30_000 }, async () => {
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", capabilityArgs());
    const error = await Codex.connect(server.url).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/requires a token/);
    expect((error as AuthenticationError).tokenSent).toBe(false);
  });

  it("an Origin header is refused (HTTP 403) with an AuthenticationError that explains the Origin rule", {
    timeout: 30_000,
  }, async () => {
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", capabilityArgs());
    const error = await Codex.connect(server.url, { token: TOKEN, headers: { Origin: "https://example.com" } }).catch(
      (caught: unknown) => caught,
    );
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as AuthenticationError).status).toBe(403);
    expect((error as Error).message).toMatch(/Origin/);
  });
});

describe("Codex.connect with a signed JWT (--ws-auth signed-bearer-token)", () => {
  it("accepts an HS256 JWT from the shared secret, minted again on every connect; refuses one signed with another secret", {
    timeout: 60_000,
  }, async () => {
    await using server = await startListeningServer(env, "ws://127.0.0.1:0", [
      "--ws-auth",
      "signed-bearer-token",
      "--ws-shared-secret-file",
      secretFile,
    ]);
    let minted = 0;
    const token = async (): Promise<string> => {
      minted++;
      return jwt();
    };
    env.fakeModel.enqueue(reply.text("signed"));
    {
      await using codex = await Codex.connect(server.url, { token });
      const result = await (await codex.threadStart({})).run("hi");
      expect(result.finalResponse).toBe("signed");
    }
    expect(minted).toBe(1);

    const forged = await jwt(randomBytes(32));
    const error = await Codex.connect(server.url, { token: forged }).catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/signed-bearer-token|shared-secret/);
    expect((error as Error).message).not.toContain(forged);
  });
});

describe("nothing listening", () => {
  it("ws:// on a closed port → TransportClosedError naming the URL, within the connect timeout", {
    timeout: 30_000,
  }, async () => {
    const url = `ws://127.0.0.1:${await freePort()}`;
    const error = await Codex.connect(url, { connectTimeoutMs: 5_000 }).catch((caught: unknown) => caught);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(url);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("unix:// to a missing socket → TransportClosedError naming the socket", { timeout: 30_000 }, async () => {
    const socket = path.join(env.codexHome, "nobody-here.sock");
    const error = await Codex.connect(`unix://${socket}`).catch((caught: unknown) => caught);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(socket);
  });
});

describe("Codex.connect over unix://", () => {
  it("runs a turn over the app-server's unix socket; unix:// alone means $CODEX_HOME's control socket", {
    timeout: 60_000,
  }, async () => {
    const socket = path.join(env.codexHome, "app-server-control", "app-server-control.sock");
    await using server = await startListeningServer(env, `unix://${socket}`);
    env.fakeModel.enqueue(reply.text("over unix"));
    const codex = await connectToControlSocketOf(env.codexHome);
    try {
      const result = await (await codex.threadStart({})).run("hi");
      expect(result.finalResponse).toBe("over unix");
    } finally {
      await codex.close();
    }
    // Closing the connection leaves the server running.
    expect(server.stderr()).not.toMatch(/panicked/);
  });
});

describe("reconnect", () => {
  it("server killed mid-turn: the turn settles with TransportClosedError, the client reconnects to the restarted server, and the old thread runs a new turn", {
    timeout: 90_000,
  }, async () => {
    let server = await startListeningServer(env, "ws://127.0.0.1:0", capabilityArgs());
    const states: ConnectionState[] = [];
    let tokensAsked = 0;
    const log = recorder();
    try {
      const codex = await Codex.connect(server.url, {
        token: () => {
          tokensAsked++;
          return TOKEN;
        },
        reconnect: { initialDelayMs: 50, maxDelayMs: 500, maxAttempts: 200 },
        logger: log.logger,
        trace: true,
      });
      try {
        const off = codex.onConnectionChange((state) => states.push(state));
        const thread = await codex.threadStart({});
        const chunks = Array.from({ length: 400 }, () => "w ");
        env.fakeModel.enqueue(reply.text(chunks.join(""), { chunks, delayMs: 25 }));
        const turn = await thread.turn("slow");
        const settled = turn.run().then(
          () => "resolved",
          (error: unknown) => error,
        );
        for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
        const port = new URL(server.url).port;
        await server.kill();
        const error = await settled;
        expect(TransportClosedError.isInstance(error)).toBe(true);
        expect((error as Error).message).not.toContain(TOKEN);
        await until(() => states.includes("reconnecting"), { timeoutMs: 30_000 });

        server = await startListeningServer(env, `ws://127.0.0.1:${port}`, capabilityArgs());
        await until(() => states.at(-1) === "connected", { timeoutMs: 30_000 });
        expect(tokensAsked).toBeGreaterThanOrEqual(2);

        env.fakeModel.enqueue(reply.text("after the restart"));
        const again = await thread.run("and again");
        expect(again.status).toBe("completed");
        expect(again.finalResponse).toBe("after the restart");
        off.dispose();
      } finally {
        await codex.close();
      }
      expect(await codex.closed).toMatchObject({ reason: "closed by the client" });
      expect(log.lines.join("\n")).not.toContain(TOKEN);
    } finally {
      await server.kill();
    }
  });
});

describe("Codex.start({ reconnect })", () => {
  it("spawns a crashed app-server again; the old thread runs its next turn on the new process", {
    timeout: 90_000,
  }, async () => {
    const before = new Set(childPids());
    const states: ConnectionState[] = [];
    await using codex = await Codex.start({ codexBin, ...env, reconnect: { initialDelayMs: 50, maxAttempts: 5 } });
    codex.onConnectionChange((state) => states.push(state));
    const first = childPids().filter((pid) => !before.has(pid));
    expect(first).toHaveLength(1);
    const thread = await codex.threadStart({});
    env.fakeModel.enqueue(reply.text("before the crash"));
    expect((await thread.run("one")).finalResponse).toBe("before the crash");

    process.kill(first[0]!, "SIGKILL");
    await until(() => states.at(-1) === "connected" && states.includes("reconnecting"), { timeoutMs: 30_000 });
    const second = childPids().filter((pid) => !before.has(pid));
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);

    env.fakeModel.enqueue(reply.text("after the crash"));
    expect((await thread.run("two")).finalResponse).toBe("after the crash");
  });
});

describe("the local daemon", () => {
  // `daemon start` first installs a copy of the runtime into CODEX_HOME: slow on a loaded machine.
  it("Codex.connect('unix://') reaches `codex app-server daemon start`'s control socket in CODEX_HOME", {
    timeout: 360_000,
  }, async () => {
    await using home = await createEnvironment();
    const daemon = (command: string): string => {
      const run = spawnSync(codexBin, ["app-server", "daemon", command], {
        env: { ...process.env, ...home.env },
        encoding: "utf8",
        timeout: 150_000,
      });
      if (run.status !== 0)
        throw new Error(
          `daemon ${command} failed (status ${String(run.status)}, signal ${String(run.signal)}): ${run.stderr}`,
        );
      return run.stdout;
    };
    try {
      const started = JSON.parse(daemon("start").trim().split("\n").at(-1)!) as { status: string; socketPath: string };
      expect(started.socketPath).toBe(defaultControlSocketPath(home.codexHome));
      const codex = await connectToControlSocketOf(home.codexHome);
      try {
        home.fakeModel.enqueue(reply.text("from the daemon"));
        const result = await (await codex.threadStart({})).run("hi");
        expect(result.finalResponse).toBe("from the daemon");
      } finally {
        await codex.close();
      }
    } finally {
      daemon("stop");
      // The daemon leaves a helper (its pid-update loop) running from inside the home: end it too.
      for (const pid of processesUnder(home.codexHome)) process.kill(pid, "SIGKILL");
    }
  });
});

/** `Codex.connect("unix://")` with `CODEX_HOME` set to `codexHome` for the call: its control socket. */
async function connectToControlSocketOf(codexHome: string): Promise<Codex> {
  const previousHome = process.env["CODEX_HOME"];
  process.env["CODEX_HOME"] = codexHome;
  try {
    return await Codex.connect("unix://");
  } finally {
    if (previousHome === undefined) delete process.env["CODEX_HOME"];
    else process.env["CODEX_HOME"] = previousHome;
  }
}

/** Pids of processes whose command line runs something inside `directory`. */
function processesUnder(directory: string): number[] {
  const pids: number[] = [];
  if (process.platform !== "linux") return pids;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(directory)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
