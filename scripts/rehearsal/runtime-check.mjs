// Release rehearsal, runtime matrix: the same consumer program under every JavaScript runtime
// the SDK supports (Node 20/22/24, Bun, Deno), inside the fresh npm project that installed the
// packed tarballs. Against the real app-server and the fake model it runs
//   approval    a command approval answered by a handler; the accepted command runs
//   stream      turn.stream() yields the deltas in order; a U+2028 inside a delta survives framing
//   abort       an AbortSignal interrupts a turn whose model hangs: AbortError, the turn ended
//   structured  a turn with outputSchema (a plain JSON Schema): TurnResult.output is the parsed
//               answer, the schema reached the model, and an answer that is not JSON rejects
//               with OutputValidationError
//   websocket   Codex.connect() to `codex app-server --listen ws://127.0.0.1:0` runs a streamed turn
//   otel-peer   @opentelemetry/api is not installed: @codex/sdk loaded without it (this program
//               runs), and @codex/sdk/otel fails to load naming it
// Prints one JSON line per scenario and a final summary line; exits non-zero on any failure.
//
//   <runtime> runtime-check.mjs [scenario ...]
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { AbortError, Codex, OutputValidationError } from "@codex/sdk";
import { resolveRuntime } from "@codex/sdk/rpc";
import { createTestEnvironment, reply } from "@codex/sdk-testing";

const runtime =
  typeof globalThis.Deno !== "undefined"
    ? `deno ${globalThis.Deno.version.deno}`
    : typeof globalThis.Bun !== "undefined"
      ? `bun ${globalThis.Bun.version}`
      : `node ${process.versions.node}`;

/** Every wait in this program is bounded: a hang fails the scenario instead of the whole matrix. */
function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const scenarios = {
  async approval({ env, codex, approvals }) {
    env.fakeModel.enqueue(
      reply.toolCall({ cmd: "echo approved-by-handler", yieldTimeMs: 10_000 }),
      reply.text("The command ran."),
    );
    const thread = await codex.threadStart({ approvalPolicy: "untrusted", sandbox: "workspace-write" });
    const result = await thread.run("Run echo");
    assert.equal(result.status, "completed", `turn status ${result.status}: ${JSON.stringify(result.error)}`);
    assert.equal(approvals.length, 1, "the handler was asked once");
    assert.match(approvals[0].command ?? "", /echo approved-by-handler/);
    const command = result.items.find((item) => item.type === "commandExecution");
    assert.ok(command, "the turn has a command item");
    assert.equal(command.status, "completed");
    assert.match(command.aggregatedOutput ?? "", /approved-by-handler/);
    assert.equal(result.finalResponse, "The command ran.");
    return { command: command.command, decision: "accept" };
  },

  async stream({ env, codex }) {
    const chunks = ["One ", "line\u2028still ", "one ", "line."];
    env.fakeModel.enqueue(reply.text(chunks.join(""), { chunks }));
    const thread = await codex.threadStart();
    const turn = await thread.turn("Stream something");
    const deltas = [];
    let last;
    for await (const event of turn.stream()) {
      if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
      last = event.method;
    }
    assert.equal(last, "turn/completed", "the stream ends with turn/completed");
    assert.deepEqual(deltas, chunks, "every delta, in order, U+2028 included");
    const result = await turn.run();
    assert.equal(result.finalResponse, chunks.join(""));
    return { deltas: deltas.length };
  },

  async abort({ env, codex }) {
    env.fakeModel.enqueue(reply.hang({ partialText: "Thinking", maxMs: 20_000 }));
    const thread = await codex.threadStart();
    const controller = new AbortController();
    const turn = await thread.turn("Take forever", { signal: controller.signal });
    const ended = new Promise((resolve) => {
      const subscription = codex.client.onNotification("turn/completed", (params) => {
        if (params.turn.id !== turn.id) return;
        subscription.dispose();
        resolve(params.turn);
      });
    });
    const outcome = turn.run().then(
      (result) => ({ result }),
      (error) => ({ error }),
    );
    for await (const event of turn.stream()) {
      if (event.method === "item/agentMessage/delta") break;
    }
    const startedAbort = Date.now();
    controller.abort();
    const { result, error } = await outcome;
    assert.equal(result, undefined, `run() resolved (${result?.status}) instead of rejecting`);
    assert.ok(AbortError.isInstance(error), `run() rejected with ${error?.name}: ${error?.message}`);
    const completed = await within(10_000, "turn/completed after the abort", ended);
    assert.equal(completed.status, "interrupted", "the aborted turn ended on the server");
    return { error: error.name, status: completed.status, ms: Date.now() - startedAbort };
  },

  async structured({ env, codex }) {
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" }, reasons: { type: "array", items: { type: "string" } } },
      required: ["ok", "reasons"],
      additionalProperties: false,
    };
    const answer = { ok: true, reasons: ["tests pass", "types hold"] };
    env.fakeModel.enqueue(reply.text(JSON.stringify(answer)));
    const thread = await codex.threadStart();
    const result = await thread.run("Review the change", { outputSchema: schema });
    assert.equal(result.status, "completed");
    const request = env.fakeModel.requests.at(-1);
    const format = request?.body?.text?.format;
    assert.equal(format?.type, "json_schema", "codex asked the model for JSON-schema output");
    assert.deepEqual(format.schema, schema, "the schema reached the model unchanged");
    assert.deepEqual(result.output, answer, "TurnResult.output is the parsed answer");
    env.fakeModel.enqueue(reply.text("Looks fine to me."));
    const invalid = await thread.run("Review it again", { outputSchema: schema }).then(
      (unexpected) => ({ unexpected }),
      (error) => ({ error }),
    );
    assert.ok(
      OutputValidationError.isInstance(invalid.error),
      `an answer that is not JSON: ${invalid.error?.name ?? `resolved with ${JSON.stringify(invalid.unexpected?.output)}`}`,
    );
    assert.equal(invalid.error.text, "Looks fine to me.");
    return { output: result.output, invalid: invalid.error.name };
  },
};

/**
 * Starts `codex app-server --listen ws://127.0.0.1:0` on the test home; resolves with the URL it
 * prints and a stop function.
 */
async function startWebSocketServer(env) {
  const { codexBin } = await resolveRuntime();
  const child = spawn(codexBin, ["app-server", "--listen", "ws://127.0.0.1:0", "-c", "features.shell_snapshot=false"], {
    env: { ...process.env, ...env.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await within(10_000, "the ws app-server to exit", exited).catch(() => child.kill("SIGKILL"));
  };
  let stderr = "";
  try {
    const url = await within(
      30_000,
      "the ws app-server to listen",
      new Promise((resolve, reject) => {
        child.stderr.setEncoding("utf8");
        child.stderr.on("data", (chunk) => {
          stderr += chunk;
          const match = /listening on: (ws:\/\/\S+)/.exec(stderr);
          if (match) resolve(match[1]);
        });
        child.once("exit", (code) =>
          reject(new Error(`the ws app-server exited (${code}) before listening: ${stderr.slice(-2000)}`)),
        );
      }),
    );
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

scenarios.websocket = async ({ env }) => {
  const server = await startWebSocketServer(env);
  try {
    const remote = await within(30_000, "Codex.connect", Codex.connect(server.url));
    try {
      const chunks = ["Over ", "a ", "web", "socket."];
      env.fakeModel.enqueue(reply.text(chunks.join(""), { chunks }));
      const thread = await remote.threadStart();
      const turn = await thread.turn("Say it over the socket");
      const deltas = [];
      for await (const event of turn.stream())
        if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
      assert.deepEqual(deltas, chunks);
      const result = await turn.run();
      assert.equal(result.status, "completed");
      assert.equal(result.finalResponse, chunks.join(""));
      return { url: server.url.replace(/:\d+$/, ":PORT"), deltas: deltas.length };
    } finally {
      await within(30_000, "closing the ws connection", remote.close());
    }
  } finally {
    await server.stop();
  }
};

scenarios["otel-peer"] = async () => {
  const missing = await import("@codex/sdk/otel").then(
    () => undefined,
    (error) => error,
  );
  assert.ok(
    missing !== undefined,
    "@codex/sdk/otel loaded although @opentelemetry/api is not installed: is it installed here?",
  );
  assert.match(
    String(missing?.message ?? missing),
    /@opentelemetry\/api/,
    "the failure names the missing optional peer",
  );
  return { otelEntry: "fails without @opentelemetry/api, naming it" };
};

const selected = process.argv.slice(2).filter((name) => !name.startsWith("-"));
const names = selected.length > 0 ? selected : Object.keys(scenarios);
let failed = 0;
// A silent stream fails a turn after streamIdleTimeoutMs: the abort scenario's hang must outlast it.
const env = await createTestEnvironment({ sandboxMode: "workspace-write", streamIdleTimeoutMs: 30_000 });
try {
  const approvals = [];
  const codex = await within(
    60_000,
    "Codex.start",
    Codex.start({
      ...env,
      // The login-shell snapshot is slow on loaded machines and nothing here needs it.
      config: { features: { shell_snapshot: false } },
      serverRequests: {
        "item/commandExecution/requestApproval": async (params) => {
          approvals.push(params);
          return { decision: "accept" };
        },
      },
    }),
  );
  try {
    for (const name of names) {
      const scenario = scenarios[name];
      const started = Date.now();
      try {
        if (!scenario) throw new Error(`no scenario "${name}" (known: ${Object.keys(scenarios).join(", ")})`);
        const detail = await within(60_000, name, scenario({ env, codex, approvals }));
        console.log(
          JSON.stringify({ runtime, scenario: name, ok: true, seconds: (Date.now() - started) / 1000, detail }),
        );
      } catch (error) {
        failed += 1;
        console.log(JSON.stringify({ runtime, scenario: name, ok: false, error: error?.stack ?? String(error) }));
      }
    }
  } finally {
    await within(30_000, "codex.close", codex.close());
  }
} finally {
  await env.dispose();
}
console.log(`${runtime}: ${names.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
