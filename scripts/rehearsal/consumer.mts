// Release rehearsal, TypeScript consumer (ESM): type-checked against the installed packages
// with skipLibCheck: false, so every .d.ts they ship must be complete and correct.
import {
  Codex,
  CodexError,
  IncompatibleServerError,
  PINNED_RUNTIME_VERSION,
  RuntimeNotFoundError,
  resolveRuntime,
  type CodexOptions,
  type Notification,
  type ResolvedRuntime,
  type TurnResult,
} from "@codex/sdk";
import { createTestEnvironment, reply } from "@codex/sdk-testing";

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
    const status: "completed" | "interrupted" | "failed" | "inProgress" = result.status;
    void status;
    return result;
  } finally {
    await codex.close();
    await env.dispose();
  }
}

export function explain(error: unknown): string {
  if (RuntimeNotFoundError.isInstance(error)) return `install ${error.packageName ?? "the runtime"}: ${error.fix}`;
  if (IncompatibleServerError.isInstance(error)) return `server ${error.serverVersion ?? "?"} vs ${error.requiredVersion}`;
  if (CodexError.isInstance(error)) return error.message;
  return String(error);
}

export async function where(): Promise<string> {
  const runtime: ResolvedRuntime = await resolveRuntime({ checkRuntimeVersion: true });
  return `${runtime.packageName ?? runtime.source}@${runtime.version ?? PINNED_RUNTIME_VERSION}: ${runtime.codexBin}`;
}
