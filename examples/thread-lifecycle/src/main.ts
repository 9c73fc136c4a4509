// A thread's life: start, name, read, list, fork, archive, unarchive, compact. Threads persist
// in CODEX_HOME, so every one of these works on threads of earlier sessions too.
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("thread-lifecycle", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(
    reply.text("Got it: the trip is to Lisbon in May."),
    reply.text("Summary: the user plans a trip to Lisbon in May."), // the compaction request
  );
  await using codex = await Codex.start(env.options);

  // Start and name.
  const thread = await codex.threadStart();
  await thread.run("I am planning a trip to Lisbon in May. Reply in one short sentence.");
  await thread.setName("Lisbon trip");

  // Read: metadata, and with includeTurns the turns and their items.
  const { thread: stored } = await thread.read({ includeTurns: true });
  console.log(
    `read:   "${stored.name}" · ${stored.turns?.length} turn(s) · status ${stored.status.type} · preview "${stored.preview}"`,
  );
  checkEqual(stored.name, "Lisbon trip", "the name set with setName()");
  checkEqual(stored.turns?.length, 1, "turns of the thread");

  // Fork: a new thread with a copy of the history; the original is untouched.
  const fork = await codex.threadFork(thread.id);
  const { thread: forked } = await fork.read({ includeTurns: true });
  console.log(`fork:   ${fork.id} · ${forked.turns?.length} turn(s) copied`);
  check(fork.id !== thread.id, "a fork has its own id");
  checkEqual(forked.turns?.length, 1, "turns copied into the fork");

  // List: newest first; archived threads are listed separately.
  const listed = (await codex.threadList({})).data.map((entry) => entry.id);
  console.log(`list:   ${listed.length} thread(s)`);
  check(listed.includes(thread.id) && listed.includes(fork.id), "both threads are listed");

  await codex.threadArchive(fork.id);
  const active = (await codex.threadList({})).data.map((entry) => entry.id);
  const archived = (await codex.threadList({ archived: true })).data.map((entry) => entry.id);
  console.log(`archive: ${active.length} active, ${archived.length} archived`);
  check(!active.includes(fork.id) && archived.includes(fork.id), "the archived fork moved to the archived list");

  const restored = await codex.threadUnarchive(fork.id);
  checkEqual(restored.id, fork.id, "threadUnarchive returns the thread");
  check(
    (await codex.threadList({})).data.some((entry) => entry.id === fork.id),
    "the unarchived fork is listed again",
  );
  console.log("unarchive: back in the list");

  // Compact: codex asks the model to summarise the history, as a turn of its own; compact()
  // returns that turn's handle, so run() waits for it.
  const compaction = await thread.compact();
  const compacted = await compaction.run();
  checkEqual(compacted.status, "completed", "the compaction turn's status");
  const after = await thread.read({ includeTurns: true });
  const compactions = (after.thread.turns ?? [])
    .flatMap((turn) => turn.items)
    .filter((item) => item.type === "contextCompaction");
  console.log(`compact: ${compactions.length} compaction item(s) in the history`);
  check(compactions.length === 1, "the compaction shows in the thread's history");
  if (env.fake)
    checkEqual(env.fake.requests.at(-1)?.requestKind, "compaction", "the last model request was the compaction");
});
