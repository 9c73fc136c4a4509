// thread.events(): one loop that follows a thread — every turn on it, whichever client started
// it, and the thread's own changes (status, name, token usage) — instead of a hand-written
// onNotification("*") filter.
//
// Two programs see each other's turns only through one app-server: each `Codex.start()` spawns
// its own, and a thread has one writer (a second app-server on the same CODEX_HOME cannot resume
// a thread the first has loaded). So here the app-server runs on its own, listening on a
// loopback port, and two clients connect to it: the first starts a thread and watches it; the
// second resumes the thread and runs a turn, which the first one's watcher sees.
import { Codex, type ThreadNotification } from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { reply, startListeningAppServer } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("thread-events", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(reply.text("Lisbon."), reply.text("Porto."), reply.text("Summary: two cities so far."));
  const codexBin = env.options.codexBin ?? (await resolveRuntime()).codexBin;
  // The app-server on its own, on a free loopback port.
  await using server = await startListeningAppServer({ codexBin, home: env.options, cwd: env.workDir });
  // The clients close first (end of this block), then the server (end of the example).
  {
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
