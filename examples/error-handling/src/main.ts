// Errors, and what to do about each:
// 1. A turn that fails on the model side is a result, not an exception: check status and error.
// 2. A request the server rejects throws a typed JsonRpcError subclass; never retry those.
// 3. An overloaded server (-32001) throws ServerBusyError: retryOnOverload retries just that.
// 4. A lost connection rejects whatever was waiting with TransportClosedError.
import {
  Codex,
  CodexError,
  InvalidParamsError,
  InvalidRequestError,
  isRetryableError,
  MethodNotFoundError,
  retryOnOverload,
  ServerBusyError,
  TransportClosedError,
} from "@codex/sdk";
import { resolveRuntime, spawnAppServer } from "@codex/sdk/rpc";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";
import { overloadedTransport } from "./overloaded-transport.js";

/** Runs `fn` and returns what it threw (failing the example if it did not throw). */
async function thrown(what: string, fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    const name = CodexError.isInstance(error) ? error.name : String(error);
    console.log(
      `${what}\n  → ${name}, retryable: ${isRetryableError(error)}\n  ${dim((error as Error).message.split("\n")[0]!)}`,
    );
    return error;
  }
  check(false, `${what} should have thrown`);
}

await runExample("error-handling", async () => {
  await using env = await exampleEnvironment();
  const runtime = await resolveRuntime({ codexBin: env.options.codexBin });
  // The stdio transport Codex.start() would spawn, wrapped to play an overloaded server on demand.
  const transport = overloadedTransport(
    await spawnAppServer({ ...env.options, codexBin: runtime.codexBin, args: env.options.appServerArgs }),
  );
  await using codex = await Codex.start({ transport });
  const thread = await codex.threadStart();

  // 1. A failed turn: the model provider refuses the (unknown) model. run() resolves.
  console.log("1. a turn that fails");
  env.fake?.enqueue(
    reply.httpError(404, { code: "model_not_found", message: "The model `no-such-model` does not exist." }),
  );
  const failed = await thread.run("Hello", { model: "no-such-model" });
  console.log(
    `  status ${failed.status}, codexErrorInfo ${JSON.stringify(failed.error?.codexErrorInfo)}\n  ${dim(failed.error?.message ?? "")}\n`,
  );
  checkEqual(failed.status, "failed", "status of a turn the provider refused");
  check(failed.error !== null && failed.error.message.length > 0, "a failed turn carries an error message");

  // 2. Requests the server rejects: typed, and not retryable — fix the input or the version.
  console.log("2. requests the server rejects");
  const badParams = await thrown('thread/start with approvalPolicy "sometimes"', () =>
    codex.client.request("thread/start", { approvalPolicy: "sometimes" } as never),
  );
  check(InvalidParamsError.isInstance(badParams), "a bad enum value is InvalidParamsError");
  const noMethod = await thrown("a method this server does not have", () =>
    codex.client.request("thread/teleport" as never, {} as never),
  );
  check(MethodNotFoundError.isInstance(noMethod), "an unknown method is MethodNotFoundError");
  const noThread = await thrown("a turn on a thread id that does not exist", () =>
    codex.thread("00000000-0000-4000-8000-000000000000").run("Hi"),
  );
  check(InvalidRequestError.isInstance(noThread), "an unknown thread is InvalidRequestError");
  for (const error of [badParams, noMethod, noThread])
    check(!isRetryableError(error), "rejected requests are not retryable");

  // 3. Overload: retried with backoff, and only that.
  console.log("\n3. an overloaded server");
  transport.refuse("thread/list", 2);
  const attempts: number[] = [];
  const listed = await retryOnOverload(
    (attempt) => {
      attempts.push(attempt);
      console.log(`  thread/list, attempt ${attempt}`);
      return codex.threadList({});
    },
    { maxAttempts: 3, initialDelayMs: 100 },
  );
  console.log(`  → succeeded on attempt ${attempts.length} (${listed.data.length} thread(s))`);
  checkEqual(attempts, [1, 2, 3], "attempts of retryOnOverload");

  transport.refuse("thread/list", 3);
  const gaveUp = await thrown("  still overloaded after 3 attempts", () =>
    retryOnOverload(() => codex.threadList({}), { maxAttempts: 3, initialDelayMs: 50 }),
  );
  check(ServerBusyError.isInstance(gaveUp), "retryOnOverload rethrows the last ServerBusyError");

  let calls = 0;
  await thrown("  retryOnOverload around an invalid request", () =>
    retryOnOverload(() => {
      calls += 1;
      return codex.client.request("thread/start", { approvalPolicy: "sometimes" } as never);
    }),
  );
  checkEqual(calls, 1, "calls made for a non-retryable error");

  // 4. The connection ends while a turn runs: the turn rejects with TransportClosedError.
  console.log("\n4. the connection ends mid-turn");
  env.fake?.enqueue(reply.hang({ partialText: "Let me think" }));
  // A new thread: the first one now has the unknown model of part 1 for all its turns.
  const essay = await codex.threadStart();
  const turn = await essay.turn("Write a long essay about error handling.");
  await codex.close();
  const closed = await thrown("  turn.run() after codex.close()", () => turn.run());
  check(TransportClosedError.isInstance(closed), "a turn cut off by close() rejects with TransportClosedError");
});
