// One Codex, many turns at once. Every method returns a promise, so independent work runs
// concurrently over the one connection: here three threads answer at the same time, each at its
// own pace, and each TurnHandle sees only its own thread's events.
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

const QUESTIONS = [
  "Name a prime number greater than 10. Answer with the number only.",
  "Name a colour of the rainbow. Answer with one word.",
  "Name a planet of the solar system. Answer with one word.",
];

await runExample("concurrent-threads", async () => {
  await using env = await exampleEnvironment();
  await using codex = await Codex.start(env.options);

  const threads = await Promise.all(QUESTIONS.map(() => codex.threadStart()));
  // Offline: each thread gets its own scripted answer, streamed at its own speed.
  const scripted = ["13", "Indigo", "Saturn"];
  threads.forEach((thread, index) => {
    env.fake?.enqueueFor({ threadId: thread.id }, reply.slow(`${scripted[index]}`, { delayMs: 150 * (3 - index) }));
  });

  const started = performance.now();
  const results = await Promise.all(
    threads.map(async (thread, index) => {
      const turn = await thread.turn(QUESTIONS[index]!);
      let deltas = "";
      for await (const event of turn.stream()) {
        // Only this turn's events arrive here, although three turns stream at once.
        if (event.method === "item/agentMessage/delta") deltas += event.params.delta;
        const params: unknown = event.params;
        if (typeof params === "object" && params !== null && "threadId" in params) {
          check(params.threadId === thread.id, "a handle sees only its own thread's events");
        }
      }
      const result = await turn.run();
      console.log(
        `thread ${index + 1}: ${result.finalResponse} ${dim(`(${Math.round(performance.now() - started)} ms)`)}`,
      );
      checkEqual(deltas, result.text, `thread ${index + 1}: streamed text`);
      return result;
    }),
  );

  for (const [index, result] of results.entries()) {
    check(result.status === "completed", `thread ${index + 1} should complete, got ${result.status}`);
    checkEqual(result.threadId, threads[index]!.id, `thread ${index + 1}: the result's thread`);
  }
  if (env.fake) {
    checkEqual(
      results.map((result) => result.finalResponse),
      scripted,
      "each thread got its own answer",
    );
    check(new Set(env.fake.requests.map((request) => request.threadId)).size === 3, "three threads reached the model");
  }
});
