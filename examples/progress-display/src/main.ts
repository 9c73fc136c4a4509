// A live progress display built from turn.stream(): one status line that redraws in place on a
// terminal (finished steps scroll above it), plain lines otherwise. The events are typed: each
// `event.method` narrows `event.params`.
import { Codex, type Notification } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, dim, exampleEnvironment, green, runExample } from "@codex/sdk-testing/examples";

/** Renders progress: `status()` replaces the live line, `done()` prints a line that stays. */
class ProgressDisplay {
  readonly #live = Boolean(process.stdout.isTTY);
  readonly #frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
  #frame = 0;
  #current = "";
  #lastPrinted = "";
  /** Every status shown, in order (the example checks them). */
  readonly history: string[] = [];

  status(text: string): void {
    if (text === this.#current) return;
    this.#current = text;
    this.history.push(text);
    if (this.#live) {
      process.stdout.write(`\r\u001b[K${this.#frames[this.#frame++ % this.#frames.length]} ${text}`);
      return;
    }
    // Not a terminal (a log, CI): one line per phase, not one per update.
    const phase = text.split(" · ")[0]!;
    if (phase !== this.#lastPrinted) console.log(dim(`… ${text}`));
    this.#lastPrinted = phase;
  }

  done(text: string): void {
    if (this.#live) process.stdout.write("\r\u001b[K");
    console.log(`${green("✓")} ${text}`);
    this.#current = "";
    this.#lastPrinted = "";
  }
}

await runExample("progress-display", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(
    reply.toolCall({ cmd: "for step in 1 2 3; do echo step $step; sleep 0.2; done", yieldTimeMs: 10_000 }),
    reply.slow("The command printed three steps, one every 0.2 seconds, and exited with code 0.", { delayMs: 40 }),
  );

  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();
  const turn = await thread.turn("Run a command that prints three steps, then tell me what it printed.");

  const display = new ProgressDisplay();
  const seen = new Set<Notification["method"]>();
  let answer = "";
  let commandOutput = "";
  for await (const event of turn.stream()) {
    seen.add(event.method);
    switch (event.method) {
      case "turn/started":
        display.status("thinking");
        break;
      case "item/started":
        if (event.params.item.type === "commandExecution") display.status(`running ${event.params.item.command}`);
        if (event.params.item.type === "reasoning") display.status("reasoning");
        break;
      case "item/commandExecution/outputDelta": {
        commandOutput += event.params.delta;
        const lastLine = commandOutput.trimEnd().split("\n").at(-1) ?? "";
        display.status(`running · ${lastLine}`);
        break;
      }
      case "item/completed": {
        const item = event.params.item;
        if (item.type === "commandExecution") {
          display.done(`ran ${item.command} (exit ${item.exitCode}, ${item.durationMs ?? "?"} ms)`);
        } else if (item.type === "agentMessage") {
          display.done(`answered (${item.text.length} characters)`);
        }
        break;
      }
      case "item/agentMessage/delta":
        answer += event.params.delta;
        display.status(`writing the answer · ${answer.length} characters`);
        break;
      case "thread/tokenUsage/updated":
        display.status(`${event.params.tokenUsage.total.totalTokens} tokens so far`);
        break;
      case "turn/completed":
        display.done(`turn ${event.params.turn.status} in ${event.params.turn.durationMs ?? "?"} ms`);
        break;
      default:
        break; // many more events exist; a display picks the ones it shows
    }
  }
  console.log(`\n${answer}`);

  const result = await turn.run(); // after stream(): returns at once, from the same events
  check(result.status === "completed", `the turn should complete, got ${result.status}`);
  check(seen.has("turn/started") && seen.has("turn/completed"), "the stream runs from turn/started to turn/completed");
  check(seen.has("item/agentMessage/delta"), "the answer streamed as deltas");
  check(answer === result.text, "the deltas shown add up to the result's text");
  check(display.history.includes("thinking"), "the display showed the thinking phase");
  check(
    display.history.some((line) => line.startsWith("writing the answer")),
    "the display showed the answer being written",
  );
  if (env.fake) {
    const command = result.items.find((item) => item.type === "commandExecution");
    check(command?.type === "commandExecution" && command.exitCode === 0, "the scripted command ran and exited 0");
    check(/step 3/.test(command.aggregatedOutput ?? ""), "the command's output reached the client");
    check(
      display.history.some((line) => line.startsWith("running")),
      "the display showed the running command",
    );
  }
});
