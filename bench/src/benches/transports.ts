// Bench 6: transports — the same turns over stdio (a spawned child), a WebSocket on loopback and a
// unix socket, against the same server build, home and fake model. shell_snapshot is switched off
// for all three (it runs the user's login shell on the first turn, which would swamp the difference).
import { startRound, type RoundLoad } from "../load.js";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sdkStartOptions } from "../contenders.js";
import type { BenchEnvironment } from "../environment.js";
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import type { SdkCodex, SdkModule } from "../sdk.js";
import { now, rotate } from "../stats.js";

const CONFIG_FLAGS = ["--config", "features.shell_snapshot=false"];

interface Session {
  turn(prompt: string): Promise<string>;
  close(): Promise<void>;
}

interface TransportContender {
  name: string;
  label: string;
  open(): Promise<Session>;
}

/** Starts `codex app-server --listen <listen>` and resolves with its URL once it accepts connections. */
async function listen(
  env: BenchEnvironment,
  address: string,
  extra: string[],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(env.codexBin, ["app-server", ...CONFIG_FLAGS, "--listen", address, ...extra], {
    env: env.env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app-server exited: ${stderr}`);
    if (
      address.startsWith("unix://")
        ? existsSync(address.slice("unix://".length))
        : /listening on: ws:\/\/\S+/.test(stderr)
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`app-server did not listen: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = address.startsWith("unix://") ? address : /listening on: (ws:\/\/\S+)/.exec(stderr)![1]!;
  return { url, child, stop };
}

function sessionOn(codex: SdkCodex, env: BenchEnvironment, after: () => Promise<void>): Promise<Session> {
  return codex.threadStart({ cwd: env.workspace }).then((thread) => ({
    async turn(prompt: string) {
      const result = await thread.run(prompt);
      if (result.status !== "completed") throw new Error(`turn ended ${result.status}`);
      return result.text;
    },
    async close() {
      await codex.close();
      await after();
    },
  }));
}

/** Runs the transports bench. */
export async function transportsBench(
  env: BenchEnvironment,
  sdk: SdkModule | undefined,
  options: BenchOptions,
): Promise<BenchResult> {
  const started = now();
  const sessions = options.quick ? 1 : 3;
  const turns = options.quick ? 5 : 20;
  const result: BenchResult = {
    id: "transports",
    title: "Turn latency by transport",
    unit: "ms",
    higherIsBetter: false,
    method:
      `${sessions} sessions × ${turns} sequential trivial turns ("hi" → "ok") per transport, interleaved turn by turn with a rotating order: ` +
      `Codex.start() (stdio child), Codex.connect("ws://127.0.0.1:PORT") with a capability token, Codex.connect("unix://PATH"); ` +
      `same native binary, fake model and CODEX_HOME; features.shell_snapshot=false for all three. Start-up and thread creation are not timed.`,
    contenders: [],
    ratios: [],
    notes: [
      "shell_snapshot is off in this bench: with it, codex runs the user's login shell on a thread's first turn, which would swamp the difference between transports.",
    ],
    durationMs: 0,
  };
  const connect = (
    sdk?.Codex as { connect?: (url: string, options?: Record<string, unknown>) => Promise<SdkCodex> } | undefined
  )?.connect;
  if (!sdk || connect === undefined) {
    result.skipped = "SDK side not run: @codex/sdk has no Codex.connect yet";
    result.durationMs = now() - started;
    return result;
  }
  const tokenFile = path.join(env.home.codexHome, "bench-ws-token");
  const token = randomBytes(16).toString("hex");
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const socket = path.join(env.home.codexHome, "bench.sock");
  const clientInfo = { name: "bench_sdk", title: "Bench SDK", version: "0.0.0" };
  const contenders: TransportContender[] = [
    {
      name: "stdio",
      label: "Codex.start(): a child over stdio",
      async open() {
        const codex = await sdk.Codex.start({
          ...sdkStartOptions(env),
          config: { features: { shell_snapshot: false } },
        });
        return sessionOn(codex, env, async () => {});
      },
    },
    {
      name: "ws",
      label: "Codex.connect(ws://127.0.0.1:PORT) with a token",
      async open() {
        const server = await listen(env, "ws://127.0.0.1:0", [
          "--ws-auth",
          "capability-token",
          "--ws-token-file",
          tokenFile,
        ]);
        const codex = await connect.call(sdk.Codex, server.url, { token, clientInfo });
        return sessionOn(codex, env, server.stop);
      },
    },
    {
      name: "unix",
      label: "Codex.connect(unix://PATH)",
      async open() {
        rmSync(socket, { force: true });
        const server = await listen(env, `unix://${socket}`, []);
        const codex = await connect.call(sdk.Codex, server.url, { clientInfo });
        return sessionOn(codex, env, server.stop);
      },
    },
  ];
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const errors: string[] = [];
  const loads: RoundLoad[] = [];
  for (let session = 0; session < sessions; session += 1) {
    options.log(`transports: session ${session + 1}/${sessions}`);
    const probe = startRound();
    const open: Record<string, Session> = {};
    try {
      for (const c of contenders) open[c.name] = await c.open();
      for (let index = 0; index < turns; index += 1) {
        for (const c of rotate(contenders, session * turns + index)) {
          const t0 = now();
          const text = await open[c.name]!.turn("hi");
          samples[c.name]!.push(now() - t0);
          if (text !== "ok") errors.push(`${c.name}: turn ${index} returned ${JSON.stringify(text)}`);
        }
      }
    } finally {
      for (const session of Object.values(open)) await session.close();
    }
    loads.push(probe.stop(`session ${session + 1}`));
  }
  result.rounds = loads;
  result.contenders = contenders.map((c) => contender(c.name, c.label, samples[c.name]!));
  result.ratios.push({ label: "ws / stdio (median)", value: medianRatio(result, "ws", "stdio") });
  result.ratios.push({ label: "unix / stdio (median)", value: medianRatio(result, "unix", "stdio") });
  result.notes.push(...errors.slice(0, 10));
  result.durationMs = now() - started;
  return result;
}
