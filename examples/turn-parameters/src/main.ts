// Every turn parameter at once. Most override the thread's setting for this turn and the turns
// after it (serviceTierForTurn: this turn only). Offline, the example checks what reached the
// model; with the real model, it checks the structured answer. The `satisfies` clause makes the
// type checker list any turn/start field this example does not show yet.
//
// Left out: `toolOutput` (a tool's result sent instead of user input). The server requires the
// input to be empty then, and thread.run()/thread.turn() refuse an empty input.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { TurnStartParams } from "@codex/protocol-types";
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("turn-parameters", async () => {
  await using env = await exampleEnvironment({ home: { model: "gpt-5.5" } });
  env.fake?.enqueue(reply.text("Noted."));
  // Routed by prompt: switching models makes codex send a compaction request first.
  env.fake?.enqueueFor(
    { prompt: /Torre de Belém/ },
    reply.text(JSON.stringify({ city: "Lisbon", country: "Portugal" })),
  );
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  const project = path.join(env.workDir, "project");
  await mkdir(project);
  const models = await codex.models();
  const chosen = models.data.find((entry) => entry.isDefault) ?? models.data[0]!;
  const model = chosen.model;
  // Settings the model advertises, so the real service accepts them too.
  const effort = chosen.supportedReasoningEfforts.some((option) => option.reasoningEffort === "high")
    ? "high"
    : chosen.defaultReasoningEffort;
  const tier = chosen.serviceTiers?.[0]?.id ?? "default";

  // An earlier turn, to show parentTurnId / rootTurnId.
  const earlier = await thread.run("I am planning a trip to Portugal.");

  const controller = new AbortController();
  const options = {
    model, //                                       which model (see model-selection)
    effort, //                                      a reasoning effort the model supports
    summary: "concise", //                          reasoning summary: auto | concise | detailed | none
    cwd: project, //                                working directory of the turn's commands
    approvalPolicy: "on-request", //                untrusted | on-request | never | { granular }
    approvalsReviewer: "user", //                   who reviews approval requests
    sandboxPolicy: { type: "workspaceWrite", writableRoots: [project], networkAccess: false },
    outputSchema: {
      //                                            JSON Schema of the final answer: result.output is
      //                                            the parsed answer (see structured-output for zod)
      type: "object",
      properties: { city: { type: "string" }, country: { type: "string" } },
      required: ["city", "country"],
      additionalProperties: false,
    },
    personality: "pragmatic", //                    deprecated in codex 0.169: accepted, changes nothing
    serviceTier: tier, //                           service tier for this and later turns ("priority" = fast)
    serviceTierForTurn: tier, //                    ... or for this turn only
    clientUserMessageId: "message-42", //           your id for the user message
    turnTrigger: "example", //                      free-form classification of who started it
    parentTurnId: earlier.id, //                    the turn this one works on behalf of
    rootTurnId: earlier.id, //                      the first turn of that chain of work
    disabledPluginIds: [], //                       plugins this thread must not use ([] clears the list)
    signal: controller.signal, //                   aborting interrupts the turn (see steer-interrupt)
    // Every parameter of the stable `turn/start` (`TurnOptions` also has the experimental ones,
    // since the SDK asks for the experimental API by default).
  } satisfies Required<Omit<TurnStartParams, "threadId" | "input" | "toolOutput">> & { signal: AbortSignal };
  const result = await thread.run("Which city is the Torre de Belém in? Answer as JSON.", options);
  console.log(
    `model ${model}, effort ${effort}, tier ${tier}, cwd project/, workspace-write sandbox\n→ ${result.finalResponse}`,
  );

  check(result.status === "completed", `the turn should complete, got ${result.status}: ${result.error?.message}`);
  // A plain JSON Schema gives `output: unknown` (parsed JSON); a zod schema would type it.
  const answer = (result.status === "completed" ? result.output : null) as { city?: unknown; country?: unknown } | null;
  check(
    typeof answer?.city === "string" && /lisbon|lisboa/i.test(answer.city),
    `the structured answer names Lisbon, got ${result.finalResponse}`,
  );
  check(typeof answer?.country === "string", "the structured answer has every required field");

  if (env.fake) {
    const request = env.fake.requests.at(-1)!;
    const body = request.body as {
      model: string;
      service_tier?: string;
      reasoning?: { effort?: string; summary?: string };
      text?: { format?: { type?: string; schema?: unknown } };
    };
    checkEqual(body.model, model, "model sent to the provider");
    checkEqual(
      [body.reasoning?.effort, body.reasoning?.summary],
      [effort, "concise"],
      "reasoning effort and summary sent",
    );
    checkEqual(body.service_tier, tier, "service tier sent");
    checkEqual(body.text?.format?.type, "json_schema", "the output schema became a JSON-schema response format");
    checkEqual(body.text?.format?.schema, options.outputSchema, "the output schema itself");
    const context = JSON.stringify(body);
    check(context.includes(`<cwd>${project}</cwd>`), "the model is told the turn's working directory");
    check(
      context.includes(`<entry access=\\"write\\"><path>${project}</path>`),
      "the sandbox lets the turn write to the project only",
    );
  }
  const { thread: stored } = await thread.read({ includeTurns: true });
  const turn = stored.turns?.find((entry) => entry.id === result.id);
  checkEqual(turn?.rootTurnId, earlier.id, "the turn's root is the earlier turn");
  const userMessage = turn?.items.find((item) => item.type === "userMessage");
  checkEqual(
    userMessage?.type === "userMessage" ? userMessage.clientId : undefined,
    "message-42",
    "clientUserMessageId is kept as the message's clientId",
  );
});
