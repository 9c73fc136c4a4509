// Structured output: give a turn an `outputSchema` (here a zod schema) and `result.output` is the
// final answer parsed, validated and typed. The schema reaches the model as JSON Schema; an
// answer that does not match it makes run() reject with OutputValidationError, which carries the
// answer (`text`), what is wrong (`issues`) and the whole turn (`result`).
import { Codex, OutputValidationError } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { z } from "zod";
import { check, checkEqual, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

const Verdict = z.object({
  ok: z.boolean().describe("whether the change can be merged"),
  reasons: z.array(z.string()).describe("why, one short sentence each"),
});

await runExample("structured-output", async () => {
  await using env = await exampleEnvironment();
  // Offline, the fake model answers as scripted: first a valid verdict, then one that breaks the schema.
  env.fake?.enqueue(
    reply.text(JSON.stringify({ ok: true, reasons: ["The tests pass.", "The change is small."] })),
    reply.text(JSON.stringify({ ok: "probably", reasons: [] })),
  );
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  const prompt = "A pull request renames one variable and all tests pass. Can it be merged? Answer with a verdict.";
  console.log(`> ${prompt}`);
  const result = await thread.run(prompt, { outputSchema: Verdict });
  check(result.status === "completed", `the turn should complete, got ${result.status}: ${result.error?.message}`);
  // Narrowed by status: output has the schema's type, { ok: boolean; reasons: string[] }.
  const verdict = result.output;
  console.log(`ok: ${verdict.ok}\n${verdict.reasons.map((reason) => `  - ${reason}`).join("\n")}`);
  check(typeof verdict.ok === "boolean" && Array.isArray(verdict.reasons), "output is a validated verdict");

  if (env.fake) {
    checkEqual(verdict, { ok: true, reasons: ["The tests pass.", "The change is small."] }, "the parsed verdict");
    const format = (env.fake.requests.at(-1)!.body as { text?: { format?: { type?: string; schema?: unknown } } }).text
      ?.format;
    checkEqual(format?.type, "json_schema", "the schema became the model's response format");
    checkEqual(
      format?.schema,
      stripDialect(z.toJSONSchema(Verdict, { io: "output" })),
      "the JSON Schema the model got",
    );

    // A second answer that does not fit the schema: run() rejects, and the error says why.
    try {
      await thread.run("And this one?", { outputSchema: Verdict });
      check(false, "an answer that breaks the schema should reject");
    } catch (error) {
      if (!OutputValidationError.isInstance(error)) throw error;
      console.log(`\nrejected: ${error.issues.map((issue) => issue.message).join("; ")}\nanswer was: ${error.text}`);
      checkEqual(
        error.issues.map((issue) => issue.path?.join(".")),
        ["ok"],
        "the issue names the field",
      );
      checkEqual(error.result.status, "completed", "the turn itself completed");
    }
  }
});

/** The JSON Schema without its `$schema` line, which the SDK does not send. */
function stripDialect(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}
