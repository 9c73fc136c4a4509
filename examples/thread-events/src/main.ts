// thread.events(): one loop that follows a thread — every turn on it, whoever started it, and the
// thread's own changes (status, name, token usage) — instead of a hand-written
// onNotification("*") filter. Here a watcher prints a line per turn while the program runs a
// turn with thread.run(), a turn started through the low-level client (as another program
// would), and a compaction, and renames the thread.
import { Codex, type Notification } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("thread-events", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(reply.text("Lisbon."), reply.text("Porto."), reply.text("Summary: two cities so far."));
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  // Subscribes now: nothing that happens from here on is missed, even before the loop runs.
  const stop = new AbortController();
  const lines: string[] = [];
  const completed: string[] = [];
  const waiters = new Map<string, () => void>();
  /** Resolves once the watcher has seen turn `id` complete. */
  const seenCompleted = (id: string): Promise<void> =>
    completed.includes(id) ? Promise.resolve() : new Promise((resolve) => waiters.set(id, resolve));
  const watcher = (async () => {
    try {
      for await (const event of thread.events({ signal: stop.signal })) {
        const line = describe(event);
        if (line) {
          lines.push(line);
          console.log(dim(`  [events] ${line}`));
        }
        if (event.method === "turn/completed") {
          completed.push(event.params.turn.id);
          waiters.get(event.params.turn.id)?.();
        }
        if (event.method === "thread/name/updated") stop.abort();
      }
    } catch (error) {
      if (!stop.signal.aborted) throw error;
    }
  })();

  console.log("> thread.run: Name a city in Portugal.");
  const first = await thread.run("Name a city in Portugal.");
  console.log(first.finalResponse);

  console.log("> client.request(turn/start): Name another one.");
  const { turn: raw } = await codex.client.request("turn/start", {
    threadId: thread.id,
    input: [{ type: "text", text: "Name another one.", text_elements: [] }],
  });
  // No TurnHandle for this turn: the watcher is how this program learns that it ended.
  // (Compacting while it runs would interrupt it.)
  await seenCompleted(raw.id);

  console.log("> thread.compact()");
  const compaction = await thread.compact();
  const compacted = await compaction.run();

  await thread.setName("Cities");
  await watcher;

  check(completed.includes(first.id), "the watcher saw the thread.run() turn complete");
  check(completed.includes(raw.id), "the watcher saw the turn started through the low-level client complete");
  if (env.fake) check(lines.includes("answer: Porto."), "the watcher saw that turn's answer");
  check(completed.includes(compaction.id), "the watcher saw the compaction turn complete");
  checkEqual(compacted.status, "completed", "the compaction's status");
  check(lines.at(-1) === "renamed to Cities", "the rename is the last thing seen");
  console.log(`token usage of the thread so far: ${thread.lastUsage?.total.totalTokens ?? "?"} tokens`);
  check(thread.lastUsage !== null, "thread.lastUsage follows the thread's token usage");
});

/** One line for the events worth showing, or undefined. */
function describe(event: Notification): string | undefined {
  switch (event.method) {
    case "turn/started":
      return `turn ${event.params.turn.id.slice(-6)} started`;
    case "turn/completed":
      return `turn ${event.params.turn.id.slice(-6)} ${event.params.turn.status}`;
    case "item/completed":
      return event.params.item.type === "agentMessage" ? `answer: ${event.params.item.text}` : `item ${event.params.item.type}`;
    case "thread/status/changed":
      return `thread ${event.params.status.type}`;
    case "thread/name/updated":
      return `renamed to ${event.params.threadName ?? "(none)"}`;
    default:
      return undefined;
  }
}
