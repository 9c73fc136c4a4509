// Choosing a model. `codex.models()` lists the models the server offers (codex's built-in
// catalog: each model's reasoning efforts, default effort and input kinds). A thread gets its
// model at threadStart(); a turn may switch it, for that turn and the turns after it.
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("model-selection", async () => {
  await using env = await exampleEnvironment();
  await using codex = await Codex.start(env.options);

  const { data: models } = await codex.models();
  console.log("models offered:");
  for (const model of models) {
    const efforts = model.supportedReasoningEfforts.map((option) => option.reasoningEffort).join("/");
    console.log(
      `  ${model.isDefault ? "*" : " "} ${model.model.padEnd(16)} efforts ${efforts} (default ${model.defaultReasoningEffort}) · input ${model.inputModalities?.join("+") ?? "text+image"}`,
    );
  }
  check(models.length > 0, "the server offers at least one model");
  const hidden = (await codex.models({ includeHidden: true })).data;
  check(hidden.length >= models.length, "includeHidden lists at least as many models");
  console.log(dim(`  (${hidden.length - models.length} more with includeHidden)`));

  // The default model, and the one listed last as an alternative.
  const chosen = models.find((model) => model.isDefault) ?? models[0]!;
  const other = models.findLast((model) => model.model !== chosen.model) ?? chosen;
  // Pick an effort the model supports: the server passes any string on, and the provider decides.
  const effort = other.supportedReasoningEfforts.at(-1)?.reasoningEffort ?? other.defaultReasoningEffort;

  env.fake?.enqueueFor({ prompt: /first/ }, reply.text("Answered by the thread's model."));
  env.fake?.enqueueFor({ prompt: /second/ }, reply.text("Answered by the turn's model."));

  const thread = await codex.threadStart({ model: chosen.model });
  const first = await thread.run("Say hello (first turn). One short sentence.");
  console.log(`\nthread model ${chosen.model}: ${first.finalResponse}`);

  const second = await thread.run("Say hello again (second turn). One short sentence.", { model: other.model, effort });
  console.log(`turn model ${other.model}, effort ${effort}: ${second.finalResponse}`);

  check(first.status === "completed" && second.status === "completed", "both turns complete");
  const { thread: stored } = await thread.read();
  checkEqual(stored.model, other.model, "the thread keeps the model of its latest turn");
  checkEqual(stored.reasoningEffort, effort, "... and its effort");

  if (env.fake) {
    const turns = env.fake.requests.filter((request) => request.requestKind === "turn");
    checkEqual(
      turns.map((request) => request.model),
      [chosen.model, other.model],
      "models sent to the provider, per turn",
    );
    checkEqual(
      (turns[1]?.body as { reasoning?: { effort?: string } } | undefined)?.reasoning?.effort,
      effort,
      "effort sent with the second turn",
    );
    // Switching models mid-thread can make codex summarise the history first (a compaction
    // request, one extra model call) when the new model's context differs.
    const compactions = env.fake.requests.filter((request) => request.requestKind === "compaction").length;
    console.log(dim(`(${env.fake.requests.length} model requests, ${compactions} of them compaction)`));
  }
});
