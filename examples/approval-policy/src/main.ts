// A per-turn approval policy. TurnOptions.serverRequests gives one turn its own handlers, asked
// before the connection-wide ones; the handler's context carries the item the request is about
// (the command, as its item/started described it), the turn and a Thread handle — no map of
// items kept by hand. Here the connection declines everything, and one "housekeeping" turn may
// create files but not delete them.
import { existsSync } from "node:fs";
import path from "node:path";
import { Codex, type ServerRequestHandlers } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

await runExample("approval-policy", async () => {
  await using env = await exampleEnvironment({ home: { sandboxMode: "workspace-write" } });
  env.fake?.enqueue(
    reply.toolCall({ cmd: "touch notes.txt", yieldTimeMs: 10_000 }),
    reply.toolCall({ cmd: "rm -f notes.txt", yieldTimeMs: 10_000 }),
    reply.text("notes.txt is created; removing it was declined."),
    reply.toolCall({ cmd: "touch later.txt", yieldTimeMs: 10_000 }),
    reply.text("Creating later.txt was declined."),
  );

  const connectionWide: string[] = [];
  await using codex = await Codex.start({
    ...env.options,
    // The default for every turn: decline (and say so).
    serverRequests: {
      "item/commandExecution/requestApproval": (params) => {
        connectionWide.push(params.command ?? "");
        console.log(dim(`  [connection] declined: ${params.command}`));
        return { decision: "decline" };
      },
    },
  });
  const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });

  const decisions: string[] = [];
  const housekeeping: ServerRequestHandlers = {
    "item/commandExecution/requestApproval": (_params, { item, turnId, thread: handle }) => {
      // The item is the commandExecution the request is about, with its parsed actions.
      const command = item?.type === "commandExecution" ? item.command : "";
      const deletes = /\brm\b/.test(command);
      decisions.push(`${deletes ? "decline" : "accept"} ${command}`);
      console.log(
        dim(
          `  [turn ${turnId?.slice(-6)} on ${handle?.id.slice(-6)}] ${deletes ? "declined" : "accepted"}: ${command}`,
        ),
      );
      return { decision: deletes ? "decline" : "accept" };
    },
  };
  console.log("> Create notes.txt, then remove it.");
  const tidy = await thread.run("Create notes.txt with touch, then remove it with rm.", {
    serverRequests: housekeeping,
  });
  console.log(tidy.finalResponse);

  console.log("> Create later.txt.");
  const later = await thread.run("Create later.txt with touch.");
  console.log(later.finalResponse);

  const statuses = (result: typeof tidy) =>
    result.items.flatMap((item) => (item.type === "commandExecution" ? [item.status] : []));
  check(tidy.status === "completed" && later.status === "completed", "both turns complete");
  if (env.fake) {
    checkEqual(
      decisions.map((decision) => decision.split(" ")[0]),
      ["accept", "decline"],
      "the per-turn policy's decisions",
    );
    checkEqual(statuses(tidy), ["completed", "declined"], "touch ran, rm was declined");
    check(existsSync(path.join(env.workDir, "notes.txt")), "notes.txt exists");
    checkEqual(connectionWide.length, 1, "the next turn went to the connection-wide handler");
    checkEqual(statuses(later), ["declined"], "outside the housekeeping turn, touch is declined");
    check(!existsSync(path.join(env.workDir, "later.txt")), "later.txt was not created");
  }
});
