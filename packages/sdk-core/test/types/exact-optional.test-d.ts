// Consumers that compile with `exactOptionalPropertyTypes` pass options whose values may be
// undefined (`{ signal: options.signal }`); every optional field of the public option types must
// accept `undefined` explicitly for that to compile. Checked by `pnpm typecheck`, which also
// compiles this folder with that flag on (test/types/tsconfig.json).
import type { AppServerClient } from "../../src/rpc.js";
import {
  Codex,
  retryOnOverload,
  type CodexOptions,
  type ImageInput,
  type LocalImageInput,
  type LoginHandle,
  type Thread,
  type TurnHandle,
} from "../../src/index.js";

declare const maybeSignal: AbortSignal | undefined;
declare const maybeNumber: number | undefined;
declare const maybeString: string | undefined;
declare const client: AppServerClient;
declare const thread: Thread;
declare const turn: TurnHandle;
declare const login: LoginHandle;

export async function consumer(): Promise<void> {
  const options: CodexOptions = {
    codexBin: maybeString,
    requestTimeoutMs: maybeNumber,
    signal: maybeSignal,
    cwd: maybeString,
  };
  await Codex.start(options);
  await thread.run("hi", { signal: maybeSignal });
  await turn.steer("more", { signal: maybeSignal });
  await login.wait({ signal: maybeSignal });
  await client.request("thread/list", {}, { signal: maybeSignal, timeoutMs: maybeNumber });
  client.notifications({ signal: maybeSignal });
  await retryOnOverload(async () => 1, {
    maxAttempts: maybeNumber,
    initialDelayMs: maybeNumber,
    maxDelayMs: maybeNumber,
    jitterRatio: maybeNumber,
    signal: maybeSignal,
    isRetryable: undefined,
  });
  const image: ImageInput = { type: "image", url: "https://example.com/a.png", detail: undefined };
  const local: LocalImageInput = { type: "localImage", path: "a.png", detail: undefined };
  await thread.run([image, local]);
}
