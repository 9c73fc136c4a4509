// Records the JSONL transcripts in ./fixtures: runs the REAL pinned app-server against the fake
// model, through a tap on the transport that copies every message each way, and writes what it saw
// with machine paths replaced by placeholders.
//
//   pnpm --filter @codex/sdk-core exec tsx test/transcripts/record.ts              # all scenarios
//   pnpm --filter @codex/sdk-core exec tsx test/transcripts/record.ts http-500     # some of them
//
// Each scenario checks that the session behaved as intended before its file is written, so a
// broken run never replaces a good fixture.
import { mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createTestEnvironment,
  QUIET_APP_SERVER_ARGS,
  reply,
  resolveCodexBin,
  type TestEnvironment,
} from "@codex/sdk-testing";
import { Codex, type CodexOptions } from "../../src/index.js";
import { spawnAppServer, type Transport, type TransportCloseInfo, type TransportReceiver } from "../../src/rpc.js";
import {
  MACHINE_PATH_PATTERN,
  normalizeLine,
  SCENARIOS,
  type ScenarioName,
  type SessionMeta,
  type Substitution,
} from "./transcript.js";

const FIXTURES_DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** One recorded line, before normalisation. */
interface RawEntry {
  direction: "in" | "out" | "meta";
  text: string;
}

/**
 * Wraps a transport and copies every complete line written (`out`) and received (`in`) into
 * `entries`. Bytes pass through unchanged and in order.
 */
class TapTransport implements Transport {
  readonly #inner: Transport;
  readonly #entries: RawEntry[];

  constructor(inner: Transport, entries: RawEntry[]) {
    this.#inner = inner;
    this.#entries = entries;
  }

  get closed(): Promise<TransportCloseInfo> {
    return this.#inner.closed;
  }

  start(receiver: TransportReceiver): void {
    this.#inner.start({
      ...receiver,
      message: (message) => {
        this.#entries.push({ direction: "in", text: JSON.stringify(message) });
        receiver.message(message);
      },
    });
  }

  send(message: object): Promise<void> {
    this.#entries.push({ direction: "out", text: JSON.stringify(message) });
    return this.#inner.send(message);
  }

  close(reason?: string): Promise<void> {
    return this.#inner.close(reason);
  }
}

/** What a scenario gets: a way to start app-servers on its environment, all tapped. */
interface ScenarioContext {
  env: TestEnvironment;
  /** The thread's working directory (a fresh temp dir). */
  cwd: string;
  /** Starts a tapped app-server process; every call is a new session of the transcript. */
  startCodex(description: string, options?: Omit<CodexOptions, "transport">): Promise<Codex>;
}

interface Scenario {
  name: ScenarioName;
  run(context: ScenarioContext): Promise<void>;
}

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`The recording did not go as intended: ${what}`);
}

const scenarios: Scenario[] = [
  {
    name: "text-turn",
    async run({ env, cwd, startCodex }) {
      env.fakeModel.enqueue(
        reply.text("Hello from the transcript. Each word is a delta.", {
          usage: { inputTokens: 120, cachedInputTokens: 20, outputTokens: 9, reasoningOutputTokens: 0 },
        }),
      );
      await using codex = await startCodex("A thread with one text turn, streamed as word deltas.");
      const thread = await codex.threadStart({ cwd });
      const result = await thread.run("Say hello");
      check(result.status === "completed", `status ${result.status}`);
      check(
        result.finalResponse === "Hello from the transcript. Each word is a delta.",
        `finalResponse ${result.finalResponse}`,
      );
    },
  },
  {
    name: "approval-accepted",
    async run({ env, cwd, startCodex }) {
      // `touch` is not a known-safe command, so "untrusted" asks; workspace-write lets it run.
      env.fakeModel.enqueue(
        reply.toolCall({
          cmd: "touch approved.txt",
          workdir: cwd,
          yieldTimeMs: 15_000,
          callId: "call_transcript_touch",
        }),
        reply.text("Created approved.txt."),
      );
      let asked = 0;
      await using codex = await startCodex(
        "A tool call under approvalPolicy untrusted; the command approval is accepted.",
        {
          serverRequests: {
            "item/commandExecution/requestApproval": () => {
              asked++;
              return { decision: "accept" };
            },
          },
        },
      );
      const thread = await codex.threadStart({ cwd, approvalPolicy: "untrusted", sandbox: "workspace-write" });
      const result = await thread.run("Create approved.txt");
      check(asked === 1, `${asked} approval requests`);
      check(result.status === "completed", `status ${result.status}`);
      const command = result.items.find((item) => item.type === "commandExecution");
      check(
        command?.type === "commandExecution" && command.status === "completed",
        `command item ${JSON.stringify(command)}`,
      );
    },
  },
  {
    name: "http-500",
    async run({ env, cwd, startCodex }) {
      env.fakeModel.enqueue(reply.httpError(500));
      await using codex = await startCodex("The model answers HTTP 500 (codex retries off): the turn fails.");
      const thread = await codex.threadStart({ cwd });
      const result = await thread.run("Hi");
      check(result.status === "failed", `status ${result.status}`);
      check(result.error?.codexErrorInfo === "internalServerError", `error ${JSON.stringify(result.error)}`);
    },
  },
  {
    name: "interrupted",
    async run({ env, cwd, startCodex }) {
      env.fakeModel.enqueue(reply.hang({ partialText: "Starting" }));
      await using codex = await startCodex(
        "The model streams one delta and goes silent; the client interrupts the turn.",
      );
      const thread = await codex.threadStart({ cwd });
      const turn = await thread.turn("Take your time");
      for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") break;
      await turn.interrupt();
      const result = await turn.run();
      check(result.status === "interrupted", `status ${result.status}`);
    },
  },
  {
    name: "resume-fresh-process",
    async run({ env, cwd, startCodex }) {
      env.fakeModel.enqueue(reply.text("Noted: banana."), reply.text("The word was banana."));
      let threadId: string;
      {
        await using first = await startCodex("First process: start a thread and run one turn, then exit.");
        const thread = await first.threadStart({ cwd });
        threadId = thread.id;
        const result = await thread.run("Remember the word banana.");
        check(result.status === "completed", `first turn ${result.status}`);
      }
      await using second = await startCodex(
        "Fresh process on the same CODEX_HOME: resume the thread and run a second turn.",
      );
      const thread = await second.threadResume(threadId);
      check(thread.id === threadId, "resumed a different thread");
      const result = await thread.run("Which word?");
      check(result.finalResponse === "The word was banana.", `second turn ${result.finalResponse}`);
      // The resumed turn's request carried the first turn: the history survived the restart.
      const body = JSON.stringify(env.fakeModel.requests.at(-1)?.body ?? null);
      check(body.includes("Remember the word banana."), "the resumed request lacks the first turn");
    },
  },
];

async function record(scenario: Scenario, codexBin: string): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), "codex-transcript-user-home-"));
  const cwd = await mkdtemp(path.join(os.tmpdir(), "codex-transcript-cwd-"));
  // HOME is a throwaway too: the login shell of the tool call and codex itself must not see (or
  // report) anything of the real user's home.
  const env = await createTestEnvironment({ env: { RUST_LOG: "warn", HOME: home }, streamIdleTimeoutMs: 20_000 });
  const entries: RawEntry[] = [];
  let session = 0;
  try {
    await scenario.run({
      env,
      cwd,
      async startCodex(description, options = {}) {
        const transport = await spawnAppServer({
          codexBin,
          codexHome: env.codexHome,
          env: env.env,
          cwd,
          args: QUIET_APP_SERVER_ARGS,
        });
        const headerIndex = entries.length;
        entries.push({ direction: "meta", text: "" });
        const codex = await Codex.start({ ...options, transport: new TapTransport(transport, entries) });
        const meta: SessionMeta = {
          direction: "meta",
          session: session++,
          scenario: scenario.name,
          codexVersion: codex.metadata.serverVersion ?? "unknown",
          description,
        };
        entries[headerIndex] = { direction: "meta", text: JSON.stringify(meta) };
        return codex;
      },
    });
    const substitutions = await substitutionsFor([
      { value: env.codexHome, placeholder: "<CODEX_HOME>" },
      { value: cwd, placeholder: "<CWD>" },
      { value: home, placeholder: "<HOME>" },
      { value: os.homedir(), placeholder: "<USER_HOME>" },
      { value: codexBin, placeholder: "<CODEX_BIN>" },
      { value: env.fakeModel.url, placeholder: "<FAKE_MODEL_URL>" },
    ]);
    // The host name is a short word: replace it only as a whole JSON string value (`serverName`).
    substitutions.push({ value: JSON.stringify(os.hostname()), placeholder: JSON.stringify("<HOSTNAME>") });
    const lines = entries.map((entry) => {
      if (entry.direction === "meta") return entry.text;
      return JSON.stringify({ direction: entry.direction, line: normalizeLine(entry.text, substitutions) });
    });
    for (const line of lines) {
      const leak = MACHINE_PATH_PATTERN.exec(line);
      if (leak)
        throw new Error(
          `${scenario.name}: a machine path survived normalisation near ${JSON.stringify(line.slice(Math.max(0, leak.index - 80), leak.index + 80))}`,
        );
    }
    return `${lines.join("\n")}\n`;
  } finally {
    await env.dispose();
    await rm(home, { recursive: true, force: true });
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Each path as given and as resolved (a symlinked temp dir may be reported either way). */
async function substitutionsFor(list: Substitution[]): Promise<Substitution[]> {
  const out: Substitution[] = [];
  for (const entry of list) {
    out.push(entry);
    const resolved = await realpath(entry.value).catch(() => entry.value);
    if (resolved !== entry.value) out.push({ value: resolved, placeholder: entry.placeholder });
  }
  return out;
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const name of wanted) {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`Unknown scenario ${name}; known: ${SCENARIOS.join(", ")}`);
  }
  const codexBin = resolveCodexBin();
  for (const scenario of scenarios) {
    if (wanted.length > 0 && !wanted.includes(scenario.name)) continue;
    const text = await record(scenario, codexBin);
    const file = path.join(FIXTURES_DIR, `${scenario.name}.jsonl`);
    await writeFile(file, text);
    console.log(`${scenario.name}: ${text.split("\n").length - 1} lines, ${Buffer.byteLength(text)} bytes`);
  }
}

await main();
