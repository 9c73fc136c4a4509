// Three ways to change a running turn:
// 1. turn.steer(input) adds input to the turn while it runs (turn/steer); the model continues
//    with it, in the same turn.
// 2. turn.interrupt() stops it (turn/interrupt): the turn completes with status "interrupted".
// 3. An AbortSignal passed to run()/turn() interrupts it on the server and rejects with AbortError.
import { AbortError, Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("steer-interrupt", async () => {
  // A long idle timeout: the scripted "hanging" answers below run until they are interrupted.
  await using env = await exampleEnvironment({ home: { streamIdleTimeoutMs: 30_000 } });
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  // 1. Steer: once the answer starts, ask for something more.
  env.fake?.enqueue(
    reply.slow("Counting: one, two, three, four, five, six, seven, eight, nine, ten.", { delayMs: 150 }),
    reply.text("Counting in French: un, deux, trois."),
  );
  const counting = await thread.turn("Count from one to ten, slowly, one number per line.");
  let steered: boolean | undefined;
  process.stdout.write("1. steer\n   ");
  for await (const event of counting.stream()) {
    if (event.method === "item/agentMessage/delta") {
      process.stdout.write(event.params.delta);
      if (steered === undefined) {
        try {
          await counting.steer("Actually, count in French instead, and stop at three.");
          steered = true;
          process.stdout.write(dim(" [steered: count in French] "));
        } catch (error) {
          // A fast model may finish before the steer arrives: the server then has no active turn.
          if (!counting.completed) throw error;
          steered = false;
        }
      }
    }
  }
  const steeredResult = await counting.run();
  console.log(`\n   → ${steeredResult.status}: ${steeredResult.finalResponse}`);
  check(steeredResult.status === "completed", `the steered turn completes, got ${steeredResult.status}`);
  const userMessages = steeredResult.items.filter((item) => item.type === "userMessage");
  if (steered) checkEqual(userMessages.length, 2, "user messages in the steered turn (the prompt and the steer)");
  else console.log(dim("   (the turn finished before the steer arrived)"));
  if (env.fake) {
    check(steered === true, "the steer reached the running turn");
    checkEqual(
      env.fake.requests.at(-1)?.prompt,
      "Actually, count in French instead, and stop at three.",
      "the model's last input was the steer",
    );
    check(steeredResult.finalResponse?.includes("French") === true, "the final answer follows the steer");
  }

  // 2. Interrupt: stop a turn that would take too long.
  env.fake?.enqueue(reply.hang({ partialText: "Let me write that whole book" }));
  const book = await thread.turn("Write a 500-page novel, one chapter at a time.");
  for await (const event of book.stream()) {
    if (event.method === "item/agentMessage/delta") break; // after the first words
  }
  // Leaving the loop stops reading, not the turn: it is still running on the server.
  check(!book.completed, "breaking out of stream() does not end the turn");
  await book.interrupt();
  const interrupted = await book.run(); // stream() and run() replay the turn from its start
  console.log(`2. interrupt\n   → ${interrupted.status}; text so far: "${interrupted.text}"`);
  checkEqual(interrupted.status, "interrupted", "status after turn.interrupt()");
  check(interrupted.error === null, "an interrupt is not an error");

  // 3. Abort: the caller's signal ends the turn on the server, and run() rejects.
  env.fake?.enqueue(reply.hang({ partialText: "Thinking" }));
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("the user pressed Stop")), 300);
  let aborted: unknown;
  try {
    await thread.run("Think about this forever.", { signal: controller.signal });
  } catch (error) {
    aborted = error;
  }
  check(AbortError.isInstance(aborted), `run() with an aborted signal rejects with AbortError, got ${String(aborted)}`);
  console.log(`3. abort\n   → ${aborted.name}: ${aborted.message}`);

  // The thread is idle again and takes new turns.
  env.fake?.enqueue(reply.text("Ready."));
  const after = await thread.run("Are you still there? One word.");
  checkEqual(after.status, "completed", "a turn after the abort");
  const { thread: stored } = await thread.read({ includeTurns: true });
  checkEqual(
    stored.turns?.map((turn) => turn.status),
    ["completed", "interrupted", "interrupted", "completed"],
    "statuses of the thread's turns",
  );
});
