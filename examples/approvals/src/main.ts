// Approvals with a human in the loop. Under approvalPolicy "untrusted", codex asks the client
// before it runs a command or changes a file: a server request the SDK hands to your handler.
// The handler may take as long as a person needs; other traffic keeps flowing meanwhile.
//
//   pnpm start                                  on a terminal: you answer each request
//   pnpm start -- --answers accept,accept,decline   scripted answers (what CI runs: pnpm start:ci)
//
// Without a handler, or when a handler throws, the SDK declines: nothing is approved by default.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Codex } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import {
  ask,
  bold,
  check,
  checkEqual,
  dim,
  exampleEnvironment,
  flag,
  isInteractive,
  runExample,
  yellow,
} from "@codex/sdk-testing/examples";

type Decision = "accept" | "acceptForSession" | "decline" | "cancel";
const DECISIONS: Record<string, Decision> = { y: "accept", a: "acceptForSession", n: "decline", c: "cancel" };

/** Where the answers come from: the person at the terminal, or the --answers list. */
function decider(): (question: string, signal: AbortSignal) => Promise<Decision> {
  const scripted = flag("answers")
    ?.split(",")
    .map((answer) => answer.trim());
  if (scripted) {
    for (const answer of scripted) {
      if (!Object.values(DECISIONS).includes(answer as Decision))
        throw new Error(`--answers: unknown decision "${answer}"`);
    }
    return async (question) => {
      // Running out of answers declines: the safe default.
      const decision = (scripted.shift() ?? "decline") as Decision;
      console.log(`${question} ${dim(`[scripted: ${decision}]`)}`);
      return decision;
    };
  }
  if (!isInteractive())
    throw new Error("No terminal to ask on: pass --answers accept,decline,... (see pnpm start:ci).");
  return async (question, signal) => {
    for (;;) {
      const answer = await ask(`${question} ${bold("[y]es [a]lways [n]o [c]ancel turn")} `, signal);
      const decision = DECISIONS[answer.toLowerCase().slice(0, 1)];
      if (decision) return decision;
    }
  };
}

await runExample("approvals", async () => {
  const decide = decider();
  // "gpt-5.5" is a model slug codex knows, so it offers the model its apply_patch tool.
  await using env = await exampleEnvironment({ home: { model: "gpt-5.5", sandboxMode: "workspace-write" } });
  env.fake?.enqueue(
    reply.toolCall({ cmd: "echo hello > greeting.txt", yieldTimeMs: 10_000 }),
    reply.applyPatch("*** Begin Patch\n*** Add File: notes.txt\n+Remember to water the plants.\n*** End Patch\n"),
    reply.toolCall({ cmd: "rm greeting.txt", yieldTimeMs: 10_000 }),
    reply.text("I created greeting.txt and notes.txt; deleting greeting.txt was declined, so it is still there."),
  );

  const asked: string[] = [];
  await using codex = await Codex.start({
    ...env.options,
    serverRequests: {
      "item/commandExecution/requestApproval": async (params, { signal }) => {
        asked.push("command");
        const decision = await decide(
          `${yellow("?")} run ${bold(params.command ?? "(a command)")} in ${params.cwd}${params.reason ? ` (${params.reason})` : ""}?`,
          signal,
        );
        return { decision };
      },
      // The context carries the item the request is about: here the patch, with its files.
      "item/fileChange/requestApproval": async (_params, { signal, item }) => {
        asked.push("fileChange");
        const files =
          item?.type === "fileChange"
            ? item.changes.map((change) => `${change.kind.type} ${path.basename(change.path)}`).join(", ")
            : "files";
        return { decision: await decide(`${yellow("?")} apply a patch to ${bold(files)}?`, signal) };
      },
    },
  });

  const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });
  const result = await thread.run(
    "Create greeting.txt containing 'hello' with a shell command, then add notes.txt with apply_patch, then delete greeting.txt with rm.",
  );
  console.log(`\n${result.finalResponse}`);
  for (const item of result.items) {
    if (item.type === "commandExecution") console.log(dim(`  command ${item.command}: ${item.status}`));
    if (item.type === "fileChange")
      console.log(
        dim(`  patch ${item.changes.map((change) => path.basename(change.path)).join(", ")}: ${item.status}`),
      );
  }

  check(
    result.status === "completed" || result.status === "interrupted",
    `the turn ends (completed, or interrupted by "cancel"), got ${result.status}`,
  );
  if (env.fake) {
    // The scripted run: accept, accept, decline.
    checkEqual(asked, ["command", "fileChange", "command"], "approval requests, in order");
    const statuses = result.items.flatMap((item) =>
      item.type === "commandExecution" || item.type === "fileChange" ? [`${item.type}:${item.status}`] : [],
    );
    checkEqual(
      statuses,
      ["commandExecution:completed", "fileChange:completed", "commandExecution:declined"],
      "what happened to each",
    );
    checkEqual(
      (await readFile(path.join(env.workDir, "greeting.txt"), "utf8")).trim(),
      "hello",
      "the accepted command's file",
    );
    check(existsSync(path.join(env.workDir, "notes.txt")), "the accepted patch's file");
    check(existsSync(path.join(env.workDir, "greeting.txt")), "the declined rm left greeting.txt in place");
    const declined = env.fake.requests.at(-1)?.toolOutputs.at(-1)?.output ?? "";
    check(/rejected/i.test(declined), "the model was told the command was rejected");
  }
});
