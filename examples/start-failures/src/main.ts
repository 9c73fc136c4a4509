// Why Codex.start() fails, and how each cause shows. start() is eager (spawn + initialize), so
// every problem surfaces here as a typed error, and no child process is left behind.
import path from "node:path";
import {
  AbortError,
  Codex,
  CodexError,
  IncompatibleServerError,
  RuntimeNotFoundError,
  TransportClosedError,
} from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

/** Runs Codex.start() and returns what it threw (failing the example if it started). */
async function startFailure(what: string, start: () => Promise<Codex>): Promise<CodexError> {
  let codex: Codex | undefined;
  try {
    codex = await start();
  } catch (error) {
    check(CodexError.isInstance(error), `${what}: expected a CodexError, got ${String(error)}`);
    console.log(`${what}\n  → ${error.name}\n${dim(error.message.replace(/^/gm, "    "))}\n`);
    return error;
  } finally {
    await codex?.close();
  }
  throw new Error(`${what}: Codex.start() should have failed`);
}

await runExample("start-failures", async () => {
  await using env = await exampleEnvironment();

  // 1. No runtime. @codex/sdk looks at codexBin, then CODEX_BIN, then the installed
  //    @codex/cli-bin-<platform> package — never PATH. resolveRuntime() is the same lookup.
  try {
    const runtime = await resolveRuntime();
    console.log(`runtime lookup\n  → found ${runtime.codexBin} (from ${runtime.source}, version ${runtime.version})\n`);
  } catch (error) {
    check(RuntimeNotFoundError.isInstance(error), `a failed lookup is RuntimeNotFoundError, got ${String(error)}`);
    console.log(
      `runtime lookup\n  → ${error.name} (package ${error.packageName ?? "-"})\n${dim(error.message.replace(/^/gm, "    "))}\n`,
    );
  }

  // 2. codexBin points to a missing file.
  const missing = await startFailure("codexBin points to a missing file", () =>
    Codex.start({ ...env.options, codexBin: path.join(env.workDir, "no-such-codex") }),
  );
  check(RuntimeNotFoundError.isInstance(missing), "a missing codexBin is RuntimeNotFoundError");
  checkEqual(missing.path, path.join(env.workDir, "no-such-codex"), "the path it tried");

  // 3. The app-server exits during start-up (here: a config value codex 0.169 refuses).
  const exited = await startFailure("the app-server exits at start-up", () =>
    Codex.start({ ...env.options, config: { approval_policy: "untrusted" } }),
  );
  check(TransportClosedError.isInstance(exited), "an early exit is TransportClosedError");
  checkEqual(exited.exitCode, 1, "exit code");
  check(exited.stderrTail.includes("no longer supported"), "stderrTail says why it exited");

  // 4. The server is older than the protocol the SDK was generated from.
  const old = await startFailure("the app-server is too old", () =>
    Codex.start({ launchArgs: [process.execPath, path.join(import.meta.dirname, "old-app-server.mjs")] }),
  );
  check(IncompatibleServerError.isInstance(old), "an old server is IncompatibleServerError");
  checkEqual(old.serverVersion, "0.100.0", "the version the server reported");

  // 5. The caller gave up.
  const aborted = await startFailure("the signal aborts during start-up", () =>
    Codex.start({ ...env.options, signal: AbortSignal.timeout(10) }),
  );
  check(AbortError.isInstance(aborted), "an aborted start is AbortError");

  // 6. No credentials is NOT a start failure: start() succeeds, and the first turn fails.
  //    Ask the server first: account/read says whether OpenAI auth is needed and present.
  env.fake?.enqueue(reply.httpError(401, { message: "Missing bearer or basic authentication in header." }));
  const badKey = env.offline ? {} : { env: { ...env.options.env, CODEX_EXAMPLES_API_KEY: "sk-not-a-valid-key" } };
  await using codex = await Codex.start({ ...env.options, ...badKey });
  const account = await codex.account();
  const result = await (await codex.threadStart()).run("Hello");
  console.log(
    `no valid credentials\n  → start() succeeded; account ${JSON.stringify(account.account)}, requiresOpenaiAuth ${account.requiresOpenaiAuth}` +
      `\n  → the turn ${result.status}: ${JSON.stringify(result.error?.codexErrorInfo)}\n${dim(`    ${result.error?.message}`)}`,
  );
  checkEqual(result.status, "failed", "a turn without valid credentials");
});
