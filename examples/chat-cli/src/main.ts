// A chat in the terminal: one Thread, one turn per line, answers streamed as they arrive.
//
//   pnpm start                        interactive (on a terminal): /new starts over, /exit quits,
//                                     Ctrl-C interrupts the answer being written
//   pnpm start:ci                     the lines of ci-script.txt (what CI runs)
//   echo "Hi" | pnpm start            lines piped into stdin
import { createInterface } from "node:readline/promises";
import { AbortError, Codex, type Thread, type TurnResult } from "@codex/sdk";
import {
  bold,
  check,
  dim,
  exampleEnvironment,
  isInteractive,
  runExample,
  scriptedLines,
} from "@codex/sdk-testing/examples";

/** Sends one line as a turn and prints the answer as it streams. */
async function chatTurn(thread: Thread, line: string, signal?: AbortSignal): Promise<TurnResult> {
  const turn = await thread.turn(line, { signal });
  process.stdout.write(bold("codex> "));
  for await (const event of turn.stream()) {
    if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
  }
  process.stdout.write("\n");
  const result = await turn.run();
  if (result.status !== "completed")
    console.log(dim(`(turn ${result.status}${result.error ? `: ${result.error.message}` : ""})`));
  return result;
}

/** Reads lines on the terminal until /exit or Ctrl-D. */
async function interactive(codex: Codex): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const closed = new AbortController();
  rl.on("close", () => closed.abort());
  let answering: AbortController | undefined;
  // Ctrl-C: interrupt the answer being written, or quit at the prompt.
  rl.on("SIGINT", () => (answering ? answering.abort() : rl.close()));
  console.log(dim("Type a message. /new starts a new thread, /exit quits, Ctrl-C interrupts an answer."));
  let thread = await codex.threadStart();
  try {
    for (;;) {
      let line: string;
      try {
        line = (await rl.question(bold("you> "), { signal: closed.signal })).trim();
      } catch {
        break; // Ctrl-D or Ctrl-C at the prompt
      }
      if (line === "") continue;
      if (line === "/exit") break;
      if (line === "/new") {
        thread = await codex.threadStart();
        console.log(dim(`(new thread ${thread.id})`));
        continue;
      }
      answering = new AbortController();
      try {
        await chatTurn(thread, line, answering.signal);
      } catch (error) {
        if (!AbortError.isInstance(error)) throw error;
        console.log(dim("\n(interrupted)"));
      } finally {
        answering = undefined;
      }
    }
  } finally {
    rl.close();
  }
}

/** Plays scripted lines (CI, pipes) and checks the conversation. */
async function scripted(
  codex: Codex,
  lines: string[],
  fake: { requests: readonly { threadId: string | undefined; body: unknown }[] } | undefined,
): Promise<void> {
  check(lines.length > 0, "no input: pass --script <file>, pipe lines into stdin, or run on a terminal");
  let thread = await codex.threadStart();
  const threads = new Set([thread.id]);
  for (const line of lines) {
    console.log(`${bold("you> ")}${line}`);
    if (line === "/new") {
      thread = await codex.threadStart();
      threads.add(thread.id);
      continue;
    }
    const result = await chatTurn(thread, line);
    check(result.status === "completed", `the turn for "${line}" should complete, got ${result.status}`);
    check((result.finalResponse ?? "").length > 0, `"${line}" should get an answer`);
  }
  if (fake) {
    // One model request per turn; the same thread's requests carry the earlier lines.
    const turns = lines.filter((line) => line !== "/new").length;
    check(fake.requests.length === turns, `expected ${turns} model requests, got ${fake.requests.length}`);
    const first = lines[0]!;
    const sameThread = fake.requests.filter((request) => request.threadId === fake.requests[0]!.threadId);
    check(
      sameThread.slice(1).every((request) => JSON.stringify(request.body).includes(first)),
      "later turns of a thread carry the earlier lines",
    );
    const other = fake.requests.filter((request) => request.threadId !== fake.requests[0]!.threadId);
    check(
      other.every((request) => !JSON.stringify(request.body).includes(first)),
      "a /new thread starts without the old history",
    );
    check(
      new Set(fake.requests.map((request) => request.threadId)).size === threads.size,
      "one model thread per chat thread",
    );
  }
}

const interactiveRun = isInteractive() && !process.argv.includes("--script");
await runExample(
  "chat-cli",
  async () => {
    const lines = interactiveRun ? [] : await scriptedLines();
    await using env = await exampleEnvironment({ streamDelayMs: interactiveRun ? 35 : 5 });
    await using codex = await Codex.start(env.options);
    if (interactiveRun) await interactive(codex);
    else await scripted(codex, lines, env.fake);
  },
  // A person may chat for as long as they like.
  interactiveRun ? { timeoutMs: 24 * 3600_000 } : {},
);
