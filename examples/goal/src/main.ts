// Goals (experimental API): thread.startGoal(objective) sets the thread's goal, and the server
// then runs turn after turn on its own until the goal is no longer active — the model marks it
// complete with its update_goal tool, the token budget runs out, a turn fails (blocked), or the
// goal is paused (an AbortSignal does that). goal.stream() shows those turns as one run;
// goal.run() returns a GoalResult: how it ended, every turn's TurnResult, the text and the usage.
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("goal", async () => {
  await using env = await exampleEnvironment();
  // Offline, the fake model works through the goal in three turns and then marks it complete.
  env.fake?.enqueue(
    reply.text("Outline: greeting, wish, farewell."),
    reply.text("Draft: Hello friend, may your day be bright."),
    reply.toolCall({
      name: "update_goal",
      arguments: { status: "complete" },
      text: "Final: Hello friend, may your day be bright. Goodbye!",
    }),
    reply.text("The note is written; the goal is complete."),
  );
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  const objective = "Write a three-sentence note to a friend, outlining it first.";
  console.log(`goal: ${objective}`);
  // A budget keeps a goal from running on forever; 200k tokens is plenty for a short note.
  const goal = await thread.startGoal(objective, { tokenBudget: 200_000, signal: AbortSignal.timeout(120_000) });
  let turns = 0;
  for await (const event of goal.stream()) {
    if (event.method === "turn/started") console.log(dim(`  turn ${++turns} started`));
    if (event.method === "item/completed" && event.params.item.type === "agentMessage")
      console.log(`  ${event.params.item.text}`);
    if (event.method === "thread/goal/updated")
      console.log(dim(`  goal ${event.params.goal.status}, ${event.params.goal.tokensUsed} tokens used`));
  }
  const result = await goal.run();
  console.log(`ended: ${result.status} after ${result.turns.length} turns, ${result.goal?.tokensUsed ?? "?"} tokens`);

  check(result.turns.length >= 1, "the goal ran at least one turn");
  check(
    result.turns.every((turn) => turn.threadId === thread.id),
    "every turn ran on the goal's thread",
  );
  check(
    result.status === "complete" || result.status === "budgetLimited",
    `the goal ended as complete or budget-limited, got ${result.status}`,
  );
  if (env.fake) {
    checkEqual(result.status, "complete", "the model marked the goal complete");
    checkEqual(result.turns.length, 3, "three automatic turns");
    checkEqual(result.finalResponse, "The note is written; the goal is complete.", "the last turn's answer");
    checkEqual(env.fake.requests.length, 4, "one model call per turn, plus one after update_goal ran");
  }
});
