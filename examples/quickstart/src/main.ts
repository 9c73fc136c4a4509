// Quickstart: start the codex app-server, open a thread, and stream one answer to the terminal.
//
//   pnpm demo                                        offline: the real app-server, a fake model
//   CODEX_EXAMPLES_LIVE=1 OPENAI_API_KEY=sk-... pnpm demo    the real model
import { Codex } from "@codex/sdk";
import { check, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("quickstart", async () => {
  await using env = await exampleEnvironment();

  // Eager: resolves once the app-server has answered `initialize`.
  await using codex = await Codex.start(env.options);
  console.log(dim(`codex app-server ${codex.metadata.serverVersion} is ready\n`));

  const thread = await codex.threadStart();
  const turn = await thread.turn("In two sentences: what does the codex app-server do?");

  // Print the answer as it arrives, one delta at a time.
  let deltas = 0;
  for await (const event of turn.stream()) {
    if (event.method === "item/agentMessage/delta") {
      process.stdout.write(event.params.delta);
      deltas += 1;
    } else if (event.method === "error" && event.params.willRetry) {
      // Codex retries the model by itself (e.g. "Reconnecting... waiting for network"); the turn goes on.
      console.error(dim(`(codex is retrying: ${event.params.error.message})`));
    }
  }
  process.stdout.write("\n");

  // The same turn, summarised: status, the whole text, items, token usage.
  const result = await turn.run();
  console.log(dim(`\nstatus ${result.status}, ${deltas} deltas, ${result.usage?.last.totalTokens ?? "?"} tokens`));

  check(result.status === "completed", `the turn should complete, got ${result.status}: ${result.error?.message}`);
  check(result.finalResponse !== null && result.finalResponse.length > 0, "the turn should have a final answer");
  check(result.text === result.finalResponse, "the streamed deltas should add up to the final answer");
  check(deltas > 1, `the answer should arrive as a stream of several deltas, got ${deltas}`);
});
