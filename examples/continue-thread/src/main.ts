// Continuing a thread. `codex.thread(id)` only binds a local handle (no request): use it when
// this app-server already has the thread loaded. `codex.threadResume(id, overrides)` sends
// `thread/resume`: it loads a thread persisted in CODEX_HOME (by an earlier process, or before a
// restart) and can override its settings (model, instructions, sandbox, ...).
import { Codex, InvalidRequestError } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("continue-thread", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(
    reply.text("Noted: the code word is PAPAYA."),
    reply.text("The code word is PAPAYA."),
    reply.text("Still PAPAYA, from a new process."),
  );

  // 1. First process: start a thread and remember its id.
  let threadId: string;
  {
    await using codex = await Codex.start(env.options);
    const thread = await codex.threadStart();
    threadId = thread.id;
    const first = await thread.run("Remember the code word PAPAYA. Reply in one short sentence.");
    console.log(`thread ${threadId}\n> remember PAPAYA\n${first.finalResponse}`);

    // Same process, thread already loaded: thread(id) is enough (no request is sent).
    const again = codex.thread(threadId);
    const second = await again.run("What is the code word? Reply in one short sentence.");
    console.log(`> (codex.thread(id)) what is the code word?\n${second.finalResponse}`);
    check(second.status === "completed", `thread(id).run() should complete, got ${second.status}`);
    check(/papaya/i.test(second.finalResponse ?? ""), "the bound handle continues the same conversation");

    if (env.fake) {
      // threadResume on a thread this server already has loaded returns it as it is: codex 0.169
      // applies no override then. To change the model of a live thread, pass `model` to a turn.
      const before = env.fake.requests.at(-1)!.model;
      const same = await codex.threadResume(threadId, { model: "gpt-5.5" });
      env.fake.enqueueFor({ prompt: "Still there?" }, reply.text("Still here."));
      await same.run("Still there?");
      checkEqual(
        env.fake.requests.at(-1)!.model,
        before,
        "model after threadResume() of a loaded thread (override not applied)",
      );
    }
  } // the app-server exits here; the thread stays on disk in CODEX_HOME

  // 2. A new process (same CODEX_HOME): the thread is on disk but not loaded.
  {
    await using codex = await Codex.start(env.options);

    // thread(id) makes no request, so it cannot load anything: the turn is rejected.
    let rejected: unknown;
    try {
      await codex.thread(threadId).run("Are you there?");
    } catch (error) {
      rejected = error;
    }
    check(
      InvalidRequestError.isInstance(rejected),
      `thread(id) on an unloaded thread should be rejected, got ${String(rejected)}`,
    );
    console.log(dim(`\ncodex.thread(id) in a new process: ${(rejected as Error).message}`));

    // threadResume loads it, and here also switches the model for the turns that follow.
    const model = env.offline ? "gpt-5.5" : undefined;
    const resumed = await codex.threadResume(threadId, model ? { model } : {});
    const third = await resumed.run("What was the code word? Reply in one short sentence.");
    console.log(`> (codex.threadResume(id)) what was the code word?\n${third.finalResponse}`);

    checkEqual(resumed.id, threadId, "threadResume returns the same thread");
    check(third.status === "completed", `the resumed turn should complete, got ${third.status}`);
    check(/papaya/i.test(third.finalResponse ?? ""), "the resumed thread remembers the first process's turns");
    if (env.fake) {
      const request = env.fake.requests.at(-1)!;
      check(
        JSON.stringify(request.body).includes("Remember the code word PAPAYA."),
        "the model received the whole history after the resume",
      );
      checkEqual(request.model, "gpt-5.5", "the model override of threadResume");
    }
  }
});
