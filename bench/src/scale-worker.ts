// Bench 4's worker: one client runs N concurrent turns (one per thread) in a fresh process, so
// the peak RSS measured is this client's own. Prints one JSON line.
//   argv: <sdk|raw> <turns> <deltasPerTurn>; BENCH_ENV = JSON {codexBin, codexHome, homeEnv, env, workspace}
import { sdkStartOptions } from "./contenders.js";
import type { BenchEnvironment } from "./environment.js";
import { APP_SERVER_ARGV, deltasPrompt, deltasText } from "./prompts.js";
import { RawDriver } from "./raw-driver.js";
import { loadSdk } from "./sdk.js";
import { now } from "./stats.js";

interface Shared {
  codexBin: string;
  codexHome: string;
  homeEnv: Record<string, string>;
  env: Record<string, string>;
  workspace: string;
}

const [kind, turnsArg, deltasArg] = process.argv.slice(2);
const turns = Number(turnsArg);
const deltas = Number(deltasArg);
const shared = JSON.parse(process.env["BENCH_ENV"] ?? "{}") as Shared;
const env = {
  codexBin: shared.codexBin,
  home: { codexHome: shared.codexHome, env: shared.homeEnv },
  env: shared.env,
  workspace: shared.workspace,
} as unknown as BenchEnvironment;
const prompt = deltasPrompt(deltas);
const expected = deltasText(deltas);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
/**
 * RSS once the client is up (started and initialized), before any thread: the growth from here is
 * per-thread and per-turn.
 */
let rssBefore = 0;
let wallMs = 0;
let lost = 0;
let wrongText = 0;
let threadStartMs = 0;

if (kind === "sdk") {
  const loaded = await loadSdk();
  if (!("sdk" in loaded)) throw new Error(loaded.missing);
  const codex = await loaded.sdk.Codex.start(sdkStartOptions(env));
  rssBefore = process.memoryUsage().rss;
  try {
    const t0 = now();
    const threads = await Promise.all(Array.from({ length: turns }, () => codex.threadStart({ cwd: env.workspace })));
    threadStartMs = now() - t0;
    const t1 = now();
    await Promise.all(
      threads.map(async (thread) => {
        const turn = await thread.turn(prompt);
        let count = 0;
        let text = "";
        for await (const notification of turn.stream()) {
          if (notification.method === "item/agentMessage/delta") {
            count += 1;
            text += notification.params.delta as string;
          }
        }
        lost += deltas - count;
        if (text !== expected) wrongText += 1;
      }),
    );
    wallMs = now() - t1;
  } finally {
    await codex.close();
  }
} else {
  const driver = await RawDriver.start(env.codexBin, [...APP_SERVER_ARGV], env.env);
  rssBefore = process.memoryUsage().rss;
  try {
    const t0 = now();
    const threadIds = await Promise.all(
      Array.from({ length: turns }, () => driver.threadStart({ cwd: env.workspace })),
    );
    threadStartMs = now() - t0;
    const t1 = now();
    const completions = await Promise.all(threadIds.map((threadId) => driver.runTurn(threadId, prompt)));
    wallMs = now() - t1;
    for (const completed of completions) {
      const turnId = completed.turn.id as string;
      lost += deltas - (driver.deltaCountByTurn.get(turnId) ?? 0);
      if (driver.textByTurn.get(turnId) !== expected) wrongText += 1;
    }
  } finally {
    await driver.close();
  }
}
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
process.stdout.write(
  `${JSON.stringify({
    kind,
    wallMs,
    threadStartMs,
    rssBeforeMiB: rssBefore / 2 ** 20,
    peakRssMiB: peakRss / 2 ** 20,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    lost,
    wrongText,
  })}\n`,
);
