// thread.events(): one loop that follows a thread — every turn on it, whichever client started
// it, and the thread's own changes (status, name, token usage) — instead of a hand-written
// onNotification("*") filter.
//
// Two programs see each other's turns only through one app-server: each `Codex.start()` spawns
// its own, and a thread has one writer (a second app-server on the same CODEX_HOME cannot resume
// a thread the first has loaded). So here the app-server runs on its own, listening on a
// loopback port, and two clients connect to it: the first starts a thread and watches it; the
// second resumes the thread and runs a turn, which the first one's watcher sees.
import { spawn } from "node:child_process";
import { Codex, type ThreadNotification } from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { QUIET_APP_SERVER_ARGS, reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

/** Starts `codex app-server --listen ws://127.0.0.1:0` and resolves with the URL it prints. */
async function startSharedServer(
  codexBin: string,
  env: Record<string, string>,
  cwd: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(codexBin, ["app-server", ...QUIET_APP_SERVER_ARGS, "--listen", "ws://127.0.0.1:0"], {
    env: { ...process.env, ...env, RUST_LOG: "warn" },
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app-server did not start listening: ${stderr}`)), 30_000);
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const match = /listening on: (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`the app-server exited: ${stderr}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}

await runExample("thread-events", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(reply.text("Lisbon."), reply.text("Porto."), reply.text("Summary: two cities so far."));
  const codexBin = env.options.codexBin ?? (await resolveRuntime()).codexBin;
  const server = await startSharedServer(codexBin, env.options.env as Record<string, string>, env.workDir);
  try {
    await using first = await Codex.connect(server.url, { clientInfo: { name: "watcher", version: "1.0.0" } });
    await using second = await Codex.connect(server.url, { clientInfo: { name: "worker", version: "1.0.0" } });
    const thread = await first.threadStart();

    // Subscribes now: nothing that happens from here on is missed, even before the loop runs.
    const stop = new AbortController();
    const lines: string[] = [];
    const completed: string[] = [];
    const watcher = (async () => {
      try {
        for await (const event of thread.events({ signal: stop.signal })) {
          const line = describe(event);
          if (line) {
            lines.push(line);
            console.log(dim(`  [watcher] ${line}`));
          }
          if (event.method === "turn/completed") completed.push(event.params.turn.id);
          if (event.method === "thread/name/updated") stop.abort();
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    })();

    console.log("> [watcher] Name a city in Portugal.");
    const own = await thread.run("Name a city in Portugal.");
    console.log(own.finalResponse);

    // The other client: the thread is loaded on this server, so it resumes it and runs a turn.
    console.log("> [worker] Name another one.");
    const shared = await second.threadResume(thread.id);
    const theirs = await shared.run("Name another one.");
    console.log(theirs.finalResponse);

    console.log("> [watcher] thread.compact()");
    const compaction = await thread.compact();
    const compacted = await compaction.run();

    await thread.setName("Cities");
    await watcher;

    check(completed.includes(own.id), "the watcher saw its own turn complete");
    check(completed.includes(theirs.id), "the watcher saw the other client's turn complete");
    check(completed.includes(compaction.id), "the watcher saw the compaction turn complete");
    checkEqual(compacted.status, "completed", "the compaction's status");
    check(lines.at(-1) === "renamed to Cities", "the rename is the last thing seen");
    if (env.fake) check(lines.includes("answer: Porto."), "the watcher saw the other client's answer");
    console.log(`token usage of the thread so far: ${thread.lastUsage?.total.totalTokens ?? "?"} tokens`);
    check(thread.lastUsage !== null, "thread.lastUsage follows the thread's token usage, whoever used it");
  } finally {
    await server.stop();
  }
});

/** One line for the events worth showing, or undefined. */
function describe(event: ThreadNotification): string | undefined {
  switch (event.method) {
    case "turn/started":
      return `turn ${event.params.turn.id.slice(-6)} started`;
    case "turn/completed":
      return `turn ${event.params.turn.id.slice(-6)} ${event.params.turn.status}`;
    case "item/completed":
      return event.params.item.type === "agentMessage"
        ? `answer: ${event.params.item.text}`
        : `item ${event.params.item.type}`;
    case "thread/status/changed":
      return `thread ${event.params.status.type}`;
    case "thread/name/updated":
      return `renamed to ${event.params.threadName ?? "(none)"}`;
    default:
      return undefined;
  }
}
