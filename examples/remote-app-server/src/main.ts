// An app-server that runs on its own — on a build box, in a container, as a shared service —
// reached with `Codex.connect()` instead of spawned by the SDK. The server listens on a
// WebSocket and wants a capability token; the client sends it as `Authorization: Bearer`. When
// the server goes away and comes back on the same port, the same `Codex` reconnects, resumes
// the thread it had, and the next turn continues the conversation.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { AuthenticationError, Codex, type ConnectionState } from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { type ListeningAppServer, reply, startListeningAppServer } from "@codex/sdk-testing";
import { check, checkEqual, dim, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

await runExample("remote-app-server", async () => {
  await using env = await exampleEnvironment();
  const codexBin = env.options.codexBin ?? (await resolveRuntime()).codexBin;
  env.fake?.enqueue(
    reply.text("Noted: the code word is MANGO."),
    reply.text("The code word is MANGO, even after the restart."),
  );

  // On the server's host: a token file only its owner can read.
  const token = randomBytes(32).toString("hex");
  const tokenFile = path.join(env.codexHome, "app-server-token");
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  // On that host: `codex app-server --listen ws://127.0.0.1:0 --ws-auth capability-token --ws-token-file FILE`.
  const serve = (listen: string): Promise<ListeningAppServer> =>
    startListeningAppServer({
      codexBin,
      listen,
      home: env.options,
      cwd: env.workDir,
      args: ["--ws-auth", "capability-token", "--ws-token-file", tokenFile],
    });
  let server = await serve("ws://127.0.0.1:0");
  try {
    console.log(dim(`app-server listening on ${server.url} (capability token)`));

    // The client: the URL and the token. `reconnect` keeps it working across server restarts.
    await using codex = await Codex.connect(server.url, {
      token,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 60 },
    });
    const states: ConnectionState[] = [];
    codex.onConnectionChange((state) => {
      states.push(state);
      console.log(dim(`connection: ${state}`));
    });

    const thread = await codex.threadStart();
    const first = await thread.run("Remember the code word MANGO. Reply in one short sentence.");
    console.log(`> remember MANGO\n${first.finalResponse}`);
    check(first.status === "completed", `the first turn should complete, got ${first.status}`);

    // The server goes away (a crash, a redeploy) ...
    const port = new URL(server.url).port;
    await server.kill();
    await until(() => states.includes("reconnecting"), "the client to notice");
    // ... and comes back on the same port, with the same CODEX_HOME (where threads persist).
    server = await serve(`ws://127.0.0.1:${port}`);
    await until(() => states.at(-1) === "connected", "the client to reconnect");

    // The same Thread handle, through the same Codex: the thread was resumed on the new server.
    const second = await thread.run("What was the code word? Reply in one short sentence.");
    console.log(`> (after the restart) what was the code word?\n${second.finalResponse}`);
    check(second.status === "completed", `the turn after the restart should complete, got ${second.status}`);
    check(/mango/i.test(second.finalResponse ?? ""), "the conversation continues after the restart");
    checkEqual(states.join(","), "reconnecting,connected", "connection states");
    if (env.fake) {
      check(
        JSON.stringify(env.fake.requests.at(-1)!.body).includes("Remember the code word MANGO."),
        "the model received the history from before the restart",
      );
    }

    // The token opened the door; a wrong one is refused with a typed error, not a hang.
    const refused = await Codex.connect(server.url, { token: "not-the-token" }).catch((error: unknown) => error);
    check(
      AuthenticationError.isInstance(refused),
      `a wrong token should be an AuthenticationError, got ${String(refused)}`,
    );
    console.log(dim(`wrong token: ${(refused as Error).message}`));
  } finally {
    await server.stop();
  }
});
