// `@codex/sdk-testing/examples`: the small harness the SDK's examples run in, published so that
// an example can be copied into a project as is. Where it runs (offline against the scripted fake
// model, or the real service with CODEX_EXAMPLES_LIVE=1 and OPENAI_API_KEY), self-checks with a
// time limit, and a few terminal helpers. It does not import `@codex/sdk`: `options` is a plain
// object that `Codex.start()` accepts.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { installedRuntimeBin, resolveCodexBin } from "./codex-bin.js";
import { createCodexHome, QUIET_APP_SERVER_ARGS, tomlString, type CodexHomeOptions } from "./codex-home.js";
import { defaultReply, startFakeModel, type FakeModel } from "./fake-model.js";
import type { RecordedRequest } from "./recorded-request.js";
import { reply, type FakeReply } from "./replies.js";

// ── Terminal ─────────────────────────────────────────────────────────────────────────────

const colour =
  (code: number) =>
  (text: string): string =>
    process.stderr.isTTY && process.stdout.isTTY && !process.env["NO_COLOR"] ? `\u001b[${code}m${text}\u001b[0m` : text;

/** Dim text (on a terminal). */
export const dim = colour(2);
/** Bold text (on a terminal). */
export const bold = colour(1);
/** Green text (on a terminal). */
export const green = colour(32);
/** Red text (on a terminal). */
const red = colour(31);
/** Yellow text (on a terminal). */
export const yellow = colour(33);

/** True when a person is at the keyboard: stdin and stdout are both terminals. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** The value after `--name` on the command line, or undefined. */
export function flag(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value.`);
  return value;
}

/**
 * The scripted input of a non-interactive run: the lines of the `--script <file>` file, else
 * the lines piped into stdin. Blank lines and lines starting with `#` are skipped.
 */
export async function scriptedLines(): Promise<string[]> {
  const file = flag("script");
  let text: string;
  if (file !== undefined) text = await readFile(file, "utf8");
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * Asks a question on the terminal and resolves with the answer (trimmed). Aborting `signal`
 * (for example when the server withdraws the request) rejects and stops asking.
 */
export async function ask(question: string, signal?: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question, signal ? { signal } : {})).trim();
  } finally {
    rl.close();
  }
}

// ── Self-checks and the frame every example runs in ──────────────────────────────────────

/** A self-check of an example failed. */
class CheckFailedError extends Error {
  override name = "CheckFailedError";
}

let checksPassed = 0;

/**
 * Fails the example with `message` unless `condition` holds: throws an Error named
 * `CheckFailedError`, which {@link runExample} reports as `check failed: <message>`.
 */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailedError(message);
  checksPassed += 1;
}

/**
 * Fails the example unless `actual` and `expected` are equal as JSON, with the message
 * `<what>: expected <expected>, got <actual>` (see {@link check}).
 */
export function checkEqual<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: expected ${e}, got ${a}`);
}

/** Options of {@link runExample}. */
export interface RunExampleOptions {
  /** Fail if the example has not finished by then (default 60 s offline, 5 min live). */
  timeoutMs?: number;
}

/**
 * Runs an example's `main`, prints `✔ name: N checks passed (T s)` or why it failed, and sets
 * the exit code. A run that outlives the time limit fails instead of hanging CI.
 */
export async function runExample(
  name: string,
  main: () => Promise<void>,
  options: RunExampleOptions = {},
): Promise<void> {
  const started = performance.now();
  const live = process.env["CODEX_EXAMPLES_LIVE"] === "1";
  const timeoutMs = options.timeoutMs ?? (live ? 300_000 : 60_000);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${timeoutMs / 1000} s.`)), timeoutMs);
  });
  try {
    requestedMode();
    await Promise.race([main(), timedOut]);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const checks = checksPassed === 0 ? "done" : `${checksPassed} checks passed`;
    console.log(`\n${green("✔")} ${bold(name)}: ${checks} (${seconds} s)`);
  } catch (error) {
    process.exitCode = 1;
    const what = error instanceof CheckFailedError ? "check failed" : "error";
    console.error(`\n${red("✘")} ${bold(name)}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
    if (!(error instanceof CheckFailedError) && error instanceof Error && error.stack) console.error(error.stack);
  } finally {
    clearTimeout(timer);
  }
  // Nothing should keep the process alive now. If something does (a leaked process or socket),
  // say so and fail rather than hang; the timer itself does not hold the process open.
  setTimeout(() => {
    console.error(`${red("✘")} ${name}: still running 5 s after finishing; something was not closed.`);
    process.exit(1);
  }, 5_000).unref();
}

// ── Where the example runs ───────────────────────────────────────────────────────────────

/** `offline`: the fake model on loopback. `live`: the real OpenAI Responses API. */
export type ExampleMode = "offline" | "live";

/** Options of {@link exampleEnvironment}. */
export interface ExampleEnvironmentOptions {
  /** Settings of the offline CODEX_HOME (the live one uses codex's own defaults). */
  home?: Pick<CodexHomeOptions, "streamIdleTimeoutMs" | "sandboxMode" | "model" | "approvalPolicy" | "extraToml">;
  /** Pause between the deltas of the fake model's unscripted answers, in ms (default 35). */
  streamDelayMs?: number;
  /** Print the one-line note saying what the example runs against (default true). */
  announce?: boolean;
}

/** The options of `Codex.start()` an example environment gives; spread or pass them as they are. */
export interface ExampleCodexOptions {
  /** The throwaway CODEX_HOME. */
  readonly codexHome: string;
  /** `CODEX_HOME` and the API key variable the home's provider reads. */
  readonly env: Readonly<Record<string, string>>;
  /** The throwaway work directory. */
  readonly cwd: string;
  /** Quiet flags for `codex app-server` (see `QUIET_APP_SERVER_ARGS`). */
  readonly appServerArgs: readonly string[];
  /** Set only when `Codex.start()` would not find a binary itself (the SDK's own repository). */
  readonly codexBin?: string;
}

/** What an example needs to start `Codex`, and the fake model to script when offline. */
export interface ExampleEnvironment extends AsyncDisposable {
  readonly mode: ExampleMode;
  /** True offline: outcomes are scripted, so the example checks them exactly. */
  readonly offline: boolean;
  /** The fake model (offline only): script its replies and inspect what codex sent it. */
  readonly fake: FakeModel | undefined;
  /** Spread into `Codex.start()`: the runtime, the throwaway CODEX_HOME and its environment. */
  readonly options: ExampleCodexOptions;
  /** The throwaway CODEX_HOME. */
  readonly codexHome: string;
  /** A throwaway directory that is the app-server's (and so every thread's) working directory. */
  readonly workDir: string;
  /** Removes the home and the work directory and stops the fake model. Idempotent. */
  dispose(): Promise<void>;
}

/** The environment variable that switches the examples to the real service. */
const LIVE_SWITCH = "CODEX_EXAMPLES_LIVE";

/** Which mode the environment variables ask for, and the API key when live. */
export function requestedMode(env: NodeJS.ProcessEnv = process.env): { mode: ExampleMode; apiKey: string | undefined } {
  const apiKey = env["OPENAI_API_KEY"] || env["CODEX_API_KEY"] || undefined;
  if (env[LIVE_SWITCH] !== "1") return { mode: "offline", apiKey: undefined };
  if (apiKey === undefined) {
    throw new Error(
      `${LIVE_SWITCH}=1 needs OPENAI_API_KEY (or CODEX_API_KEY) to reach the real service. Unset ${LIVE_SWITCH} to run offline.`,
    );
  }
  return { mode: "live", apiKey };
}

/**
 * The fake model's answer to anything the example did not script: a few sentences streamed word
 * by word with a short pause, so a person watching sees the answer arrive as a stream.
 */
function offlineReply(delayMs: number): (request: RecordedRequest) => FakeReply {
  return (request) => {
    // Codex's own housekeeping (compaction summaries) is not something a person watches.
    if (request.requestKind === "compaction") return reply.text("Summary of the conversation so far.");
    const base = defaultReply(request);
    if (base.kind !== "text" || base.text === "Done.") return { ...base, delayMs };
    const prompt = (request.prompt ?? "").replace(/\s+/g, " ").trim();
    const shown = prompt.length > 120 ? `${prompt.slice(0, 120)}…` : prompt;
    const text =
      `(Offline answer from the fake model.) You asked: "${shown}". ` +
      "These words are streamed one at a time by a local stand-in for the OpenAI Responses API, " +
      "through the real codex app-server. Set OPENAI_API_KEY and CODEX_EXAMPLES_LIVE=1 to ask the real model instead.";
    return { ...base, text, chunks: text.match(/\S+\s*/g) ?? [text], delayMs };
  };
}

/**
 * The codex binary to pass as `codexBin`, or undefined when `Codex.start()` finds one itself
 * (`CODEX_BIN`, or the runtime installed with `@codex/sdk`). In the SDK's own repository the
 * runtime packages hold no binary until a release stages them, so the examples fall back to the
 * `@openai/codex` binary installed for development. When there is none either, `Codex.start()`
 * reports what to install.
 */
function developmentCodexBin(): string | undefined {
  if (process.env["CODEX_BIN"] || installedRuntimeBin() !== undefined) return undefined;
  try {
    return resolveCodexBin();
  } catch {
    return undefined;
  }
}

/** Clean-ups of the environments still open, run if the process is told to stop. */
const openEnvironments = new Set<() => Promise<void>>();
let signalsHandled = false;

/**
 * Ctrl-C or a SIGTERM (a CI time limit) would end the process without running `await using`
 * clean-ups, leaving the throwaway directories behind. Remove them first, then exit as the
 * signal would have. A program with its own Ctrl-C handler (a chat, a login) keeps Ctrl-C.
 */
function cleanUpOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  const stop = (signal: NodeJS.Signals, exitCode: number): void => {
    if (process.listenerCount(signal) > 1) return;
    void Promise.allSettled([...openEnvironments].map((dispose) => dispose())).finally(() => process.exit(exitCode));
  };
  process.on("SIGINT", () => stop("SIGINT", 130));
  process.on("SIGTERM", () => stop("SIGTERM", 143));
}

/**
 * Makes the environment of one example: offline (the default) starts the fake model and a
 * CODEX_HOME pointing at it; live (`CODEX_EXAMPLES_LIVE=1` plus `OPENAI_API_KEY`) makes a
 * CODEX_HOME whose provider is the OpenAI API with that key, and `fake` is undefined.
 *
 * ```ts
 * await using env = await exampleEnvironment();
 * env.fake?.enqueue(reply.text("Hi!"));
 * await using codex = await Codex.start(env.options);
 * ```
 */
export async function exampleEnvironment(options: ExampleEnvironmentOptions = {}): Promise<ExampleEnvironment> {
  const { mode, apiKey } = requestedMode();
  const codexBin = developmentCodexBin();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "codex-example-work-"));
  const cleanups: (() => Promise<void>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const dispose = async (): Promise<void> => {
    openEnvironments.delete(dispose);
    // Newest first: the home goes only after nothing uses it any more.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  openEnvironments.add(dispose);
  cleanUpOnSignals();
  try {
    let fake: FakeModel | undefined;
    let codexHome: string;
    let env: Record<string, string>;
    if (mode === "offline") {
      fake = await startFakeModel({
        defaultReply: offlineReply(options.streamDelayMs ?? 35),
        apiKey: "sk-examples-offline",
      });
      cleanups.push(() => fake!.close());
      const home = await createCodexHome({ ...options.home, fakeModel: fake, apiKey: "sk-examples-offline" });
      cleanups.push(() => home.dispose());
      codexHome = home.codexHome;
      env = home.env;
    } else {
      codexHome = await mkdtemp(path.join(os.tmpdir(), "codex-example-home-"));
      cleanups.push(() => rm(codexHome, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
      const model = process.env["CODEX_EXAMPLES_MODEL"];
      // A provider that reads the key from the environment: nothing is written to the user's own
      // CODEX_HOME, and no login is needed.
      const toml = [
        ...(model ? [`model = ${tomlString(model)}`] : []),
        `model_provider = "openai-api-key"`,
        "",
        "[model_providers.openai-api-key]",
        `name = "OpenAI (API key)"`,
        `base_url = ${tomlString(process.env["OPENAI_BASE_URL"] || "https://api.openai.com/v1")}`,
        `wire_api = "responses"`,
        `env_key = "CODEX_EXAMPLES_API_KEY"`,
        "",
        "[features]",
        "plugins = false",
        "apps = false",
        "remote_plugin = false",
      ];
      await writeFile(path.join(codexHome, "config.toml"), `${toml.join("\n")}\n`, { mode: 0o600 });
      env = { CODEX_HOME: codexHome, CODEX_EXAMPLES_API_KEY: apiKey! };
    }
    const codexOptions: ExampleCodexOptions = {
      codexHome,
      env,
      cwd: workDir,
      appServerArgs: QUIET_APP_SERVER_ARGS,
      ...(codexBin !== undefined ? { codexBin } : {}),
    };
    if (options.announce ?? true) {
      const where = fake ? `offline, fake model at ${fake.url}` : "live, OpenAI API";
      const runtime = codexBin !== undefined ? "development codex binary" : "installed codex runtime";
      process.stderr.write(`${dim(`[${where}; ${runtime}]`)}\n`);
    }
    return {
      mode,
      offline: mode === "offline",
      fake,
      options: codexOptions,
      codexHome,
      workDir,
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
