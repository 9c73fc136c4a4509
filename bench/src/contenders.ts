// The three ways of running turns against one app-server binary that the process benches compare.
import type { Baselines } from "./baselines.js";
import type { BenchEnvironment } from "./environment.js";
import { APP_SERVER_ARGV } from "./prompts.js";
import { RawDriver } from "./raw-driver.js";
import type { SdkCodex, SdkModule, SdkThread } from "./sdk.js";

/** One client session with one thread, able to run turns. */
export interface TurnSession {
  /** Runs one turn with `prompt` to completion and returns its final text. */
  turn(prompt: string): Promise<string>;
  close(): Promise<void>;
}

/** A way to open sessions. */
export interface TurnContender {
  name: string;
  label: string;
  open(env: BenchEnvironment): Promise<TurnSession>;
}

/**
 * Options for `Codex.start()` that point the SDK at the bench's binary and home. The SDK's own
 * default command line, `[codexBin, "app-server"]`, is the raw driver's {@link APP_SERVER_ARGV}.
 */
export function sdkStartOptions(env: BenchEnvironment): Record<string, unknown> {
  return {
    codexBin: env.codexBin,
    codexHome: env.home.codexHome,
    env: env.home.env,
    clientInfo: { name: "bench_sdk", title: "Bench SDK", version: "0.0.0" },
  };
}

/** This repository's SDK: one long-lived app-server, `thread.run()` per turn. */
export function sdkContender(sdk: SdkModule): TurnContender {
  return {
    name: "sdk",
    label: "@codex/sdk — thread.run() on a long-lived app-server",
    async open(env) {
      const codex: SdkCodex = await sdk.Codex.start(sdkStartOptions(env));
      const thread: SdkThread = await codex.threadStart({ cwd: env.workspace });
      return {
        async turn(prompt) {
          const result = await thread.run(prompt);
          if (result.status !== "completed") throw new Error(`sdk turn ended ${result.status}`);
          return result.text;
        },
        close: () => codex.close(),
      };
    },
  };
}

/** The hand-written JSON-RPC floor. */
export const rawContender: TurnContender = {
  name: "raw",
  label: "hand-written JSON-RPC driver (floor)",
  async open(env) {
    const driver = await RawDriver.start(env.codexBin, [...APP_SERVER_ARGV], env.env);
    const threadId = await driver.threadStart({ cwd: env.workspace });
    return {
      async turn(prompt) {
        const completed = await driver.runTurn(threadId, prompt);
        if (completed.turn.status !== "completed") throw new Error(`raw turn ended ${completed.turn.status}`);
        return driver.textByTurn.get(completed.turn.id as string) ?? "";
      },
      close: () => driver.close(),
    };
  },
};

/** The parts of `@openai/codex-sdk` the bench uses (it is installed on demand, so typed here). */
interface OpenAICodexModule {
  Codex: new (options: {
    codexPathOverride: string;
    env: Record<string, string>;
  }) => {
    startThread(options: { skipGitRepoCheck: boolean; workingDirectory: string }): {
      run(input: string): Promise<{ finalResponse: string }>;
    };
  };
}

/** `@openai/codex-sdk`: spawns `codex exec --experimental-json` per turn (resuming the thread after the first). */
export const openaiSdkContender = (baselines: Baselines): TurnContender => ({
  name: "openai-codex-sdk",
  label: `@openai/codex-sdk ${baselines.openaiSdkVersion} — \`codex exec\` per turn`,
  async open(env) {
    const { Codex: OpenAICodex } = (await import(baselines.openaiSdkUrl)) as OpenAICodexModule;
    const codex = new OpenAICodex({ codexPathOverride: env.codexBin, env: env.env });
    const thread = codex.startThread({ skipGitRepoCheck: true, workingDirectory: env.workspace });
    return {
      async turn(prompt) {
        const result = await thread.run(prompt);
        return result.finalResponse;
      },
      // Nothing to close: each turn's process has exited when run() resolves.
      close: async () => {},
    };
  },
});
