// thread.run(): the easy path. It sends one turn, waits for `turn/completed`, and returns a
// TurnResult. Several runs on the same Thread make a multi-turn conversation.
import { Codex, type TurnResult } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

function show(result: TurnResult): void {
  console.log(`${result.finalResponse}`);
  console.log(
    dim(
      `  status ${result.status} · ${result.items.length} items (${result.items.map((item) => item.type).join(", ")})` +
        ` · ${result.usage?.last.inputTokens ?? "?"} in / ${result.usage?.last.outputTokens ?? "?"} out tokens · ${result.durationMs ?? "?"} ms`,
    ),
  );
}

await runExample("run", async () => {
  await using env = await exampleEnvironment();
  // Offline, the fake model answers with these, in order (online, the real model answers).
  env.fake?.enqueue(
    reply.text("Nice to meet you, Ada.", { usage: { inputTokens: 1200, outputTokens: 7 } }),
    reply.text("Your name is Ada.", { usage: { inputTokens: 1250, outputTokens: 5 } }),
  );

  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  console.log("> My name is Ada. Reply in one short sentence.");
  const first = await thread.run("My name is Ada. Reply in one short sentence.");
  show(first);

  // Same thread: the model sees the first turn too.
  console.log("> What is my name? Reply in one short sentence.");
  const second = await thread.run("What is my name? Reply in one short sentence.");
  show(second);

  // A failed or interrupted turn is returned, not thrown: always look at status (and error).
  for (const result of [first, second]) {
    check(
      result.status === "completed",
      `turn ${result.id} should complete, got ${result.status}: ${result.error?.message}`,
    );
    check(result.error === null, "a completed turn has no error");
    check(result.threadId === thread.id, "the result names its thread");
    check(
      result.items.some((item) => item.type === "agentMessage"),
      "the items include the agent's message",
    );
    check(result.usage !== null, "token usage arrived");
  }
  check(first.id !== second.id, "each run is a new turn");
  check(
    /ada/i.test(second.finalResponse ?? ""),
    `the second answer should remember the name, got ${second.finalResponse}`,
  );

  if (env.fake) {
    checkEqual(first.finalResponse, "Nice to meet you, Ada.", "first answer");
    checkEqual(first.usage?.last.inputTokens, 1200, "input tokens of the first turn");
    // Continuity: the second request to the model carried the first exchange.
    const history = JSON.stringify(env.fake.requests[1]?.body);
    check(
      history.includes("My name is Ada.") && history.includes("Nice to meet you, Ada."),
      "the second request carries the first turn",
    );
  }
});
