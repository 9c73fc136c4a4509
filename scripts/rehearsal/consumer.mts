// Release rehearsal, TypeScript consumer (ESM): type-checked against the installed packages
// with skipLibCheck: false, so every .d.ts they ship must be complete and correct.
import {
  Codex,
  CodexError,
  IncompatibleServerError,
  PINNED_RUNTIME_VERSION,
  RuntimeNotFoundError,
  type CodexOptions,
  type Notification,
  type ThreadItem,
  type TurnResult,
} from "@codex/sdk";
import { resolveRuntime, type ResolvedRuntime } from "@codex/sdk/rpc";
import { createTestEnvironment, reply } from "@codex/sdk-testing";
import { checkEqual, exampleEnvironment, runExample, type ExampleEnvironment } from "@codex/sdk-testing/examples";

export async function helloTurn(prompt: string): Promise<TurnResult> {
  const env = await createTestEnvironment();
  env.fakeModel.enqueue(reply.text("typed"));
  const options: CodexOptions = { ...env, checkRuntimeVersion: true, requestTimeoutMs: 30_000 };
  const codex: Codex = await Codex.start(options);
  try {
    const thread = await codex.threadStart({ ephemeral: true });
    const turn = await thread.turn(prompt);
    const deltas: string[] = [];
    for await (const notification of turn.stream()) {
      const typed: Notification = notification;
      if (typed.method === "item/agentMessage/delta") deltas.push(typed.params.delta);
    }
    const result = await turn.run();
    // Exhaustive over the terminal statuses: no dead "inProgress" branch.
    switch (result.status) {
      case "completed":
      case "interrupted":
      case "failed":
        break;
      default: {
        const unreachable: never = result;
        void unreachable;
      }
    }
    return result;
  } finally {
    await codex.close();
    await env.dispose();
  }
}

/** A wire type named from @codex/sdk itself, not from a transitive package. */
export function commandsOf(result: TurnResult): string[] {
  return result.items
    .filter(
      (item: ThreadItem): item is Extract<ThreadItem, { type: "commandExecution" }> => item.type === "commandExecution",
    )
    .map((item) => item.command);
}

export function explain(error: unknown): string {
  if (RuntimeNotFoundError.isInstance(error)) return `install ${error.packageName ?? "the runtime"}: ${error.fix}`;
  if (IncompatibleServerError.isInstance(error))
    return `server ${error.serverVersion ?? "?"} vs ${error.requiredVersion}`;
  if (CodexError.isInstance(error)) return error.message;
  return String(error);
}

export async function where(): Promise<string> {
  const runtime: ResolvedRuntime = await resolveRuntime({ checkRuntimeVersion: true });
  return `${runtime.packageName ?? runtime.source}@${runtime.version ?? PINNED_RUNTIME_VERSION}: ${runtime.codexBin}`;
}

/** The examples' harness: its options go to Codex.start() as they are. */
export async function exampleTurn(): Promise<void> {
  await runExample("consumer", async () => {
    const env: ExampleEnvironment = await exampleEnvironment({ announce: false });
    try {
      env.fake?.enqueue(reply.text("typed"));
      const codex = await Codex.start(env.options);
      try {
        const result = await (await codex.threadStart()).run("Say hello");
        checkEqual(result.finalResponse, "typed", "answer");
      } finally {
        await codex.close();
      }
    } finally {
      await env.dispose();
    }
  });
}
