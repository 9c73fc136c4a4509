// Structured output against the real app-server: the JSON Schema reaches the model request, the
// answer is parsed and validated (zod 4, valibot, a plain JSON Schema), and a completed answer
// that does not validate rejects with OutputValidationError.
import { reply } from "@codex/sdk-testing";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { z } from "zod";
import { InvalidInputError, OutputValidationError, type OutputSchema } from "../../src/index.js";
import { startRealServer, type RealServer } from "../support/real-server.js";

const TIMEOUT = { timeout: 40_000 };

/** The response format codex put in the model request. */
function responseFormat(body: unknown): { type?: string; schema?: unknown; strict?: boolean } | undefined {
  return (body as { text?: { format?: { type?: string; schema?: unknown; strict?: boolean } } }).text?.format;
}

const Verdict = z.object({ ok: z.boolean(), reasons: z.array(z.string()) });

describe("structured output", () => {
  let t: RealServer;
  beforeAll(async () => {
    t = await startRealServer();
  });
  afterAll(async () => {
    await t?.[Symbol.asyncDispose]();
  });

  test("a zod schema reaches the model as JSON Schema; output is parsed and validated", TIMEOUT, async () => {
    const fake = t.env.fakeModel;
    const before = fake.requests.length;
    fake.enqueue(reply.text(JSON.stringify({ ok: true, reasons: ["tests pass", "small diff"] })));
    const thread = await t.codex.threadStart();
    const result = await thread.run("Review the diff", { outputSchema: Verdict });
    expect(result.status).toBe("completed");
    expect(result.output).toEqual({ ok: true, reasons: ["tests pass", "small diff"] });

    const format = responseFormat(fake.requests[before]!.body);
    expect(format?.type).toBe("json_schema");
    expect(format?.schema).toEqual({
      type: "object",
      properties: { ok: { type: "boolean" }, reasons: { type: "array", items: { type: "string" } } },
      required: ["ok", "reasons"],
      additionalProperties: false,
    });
  });

  test("zod transforms apply: output is the schema's output value", TIMEOUT, async () => {
    t.env.fakeModel.enqueue(reply.text(JSON.stringify({ count: "42" })));
    const thread = await t.codex.threadStart();
    const Count = z.object({ count: z.string().transform((text) => Number(text)) });
    const result = await thread.run("Count", { outputSchema: Count });
    expect(result.status === "completed" && result.output).toEqual({ count: 42 });
  });

  test(
    "an answer that does not validate rejects run() with OutputValidationError (text, issues, result)",
    TIMEOUT,
    async () => {
      const answer = JSON.stringify({ ok: "yes", reasons: [] });
      t.env.fakeModel.enqueue(reply.text(answer));
      const thread = await t.codex.threadStart();
      const turn = await thread.turn("Review the diff", { outputSchema: Verdict });
      const error = await turn.run().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(OutputValidationError.isInstance(error)).toBe(true);
      const failure = error as OutputValidationError;
      expect(failure.text).toBe(answer);
      expect(failure.issues.map((issue) => issue.path)).toEqual([["ok"]]);
      expect(failure.result).toMatchObject({ status: "completed", finalResponse: answer, output: null, id: turn.id });
      expect(failure.message).toContain("ok: ");
      // The verdict is kept: a second run() gives the same error, and the stream still replays.
      await expect(turn.run()).rejects.toBe(error);
      const events: string[] = [];
      for await (const event of turn.stream()) events.push(String(event.method));
      expect(events.at(-1)).toBe("turn/completed");
    },
  );

  test("an answer that is not JSON rejects too", TIMEOUT, async () => {
    t.env.fakeModel.enqueue(reply.text("Sure! Here is my verdict: ok."));
    const thread = await t.codex.threadStart();
    const error = await thread.run("Review", { outputSchema: Verdict }).catch((caught: unknown) => caught);
    expect(OutputValidationError.isInstance(error)).toBe(true);
    expect((error as OutputValidationError).issues[0]?.message).toMatch(/not JSON/);
  });

  test("valibot through toStandardJsonSchema: schema sent, answer validated", TIMEOUT, async () => {
    const fake = t.env.fakeModel;
    const before = fake.requests.length;
    fake.enqueue(reply.text(JSON.stringify({ name: "Ada", age: 36 })), reply.text(JSON.stringify({ name: 7 })));
    const Person = toStandardJsonSchema(v.object({ name: v.string(), age: v.number() }));
    const thread = await t.codex.threadStart();
    const result = await thread.run("Who?", { outputSchema: Person });
    expect(result.status === "completed" && result.output).toEqual({ name: "Ada", age: 36 });
    expect(responseFormat(fake.requests[before]!.body)?.schema).toMatchObject({
      type: "object",
      properties: { name: { type: "string" }, age: { type: "number" } },
      required: ["name", "age"],
    });
    const error = await thread.run("Who again?", { outputSchema: Person }).catch((caught: unknown) => caught);
    expect(OutputValidationError.isInstance(error)).toBe(true);
    expect((error as OutputValidationError).issues.length).toBeGreaterThan(0);
  });

  test("a plain JSON Schema is sent as given; output is the parsed JSON", TIMEOUT, async () => {
    const fake = t.env.fakeModel;
    const before = fake.requests.length;
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, country: { type: "string" } },
      required: ["city", "country"],
      additionalProperties: false,
    } as const;
    fake.enqueue(reply.text(JSON.stringify({ city: "Lisbon", country: "Portugal" })));
    const thread = await t.codex.threadStart();
    const result = await thread.run("Where is the Torre de Belém?", { outputSchema: schema });
    expect(result.status === "completed" && result.output).toEqual({ city: "Lisbon", country: "Portugal" });
    expect(responseFormat(fake.requests[before]!.body)?.schema).toEqual(schema);
  });

  test("a failed turn resolves with output null; no schema means output null", TIMEOUT, async () => {
    t.env.fakeModel.enqueue(reply.httpError(400, { message: "bad request" }), reply.text("plain words"));
    const thread = await t.codex.threadStart();
    const failed = await thread.run("Review", { outputSchema: Verdict });
    expect(failed.status).toBe("failed");
    expect(failed.output).toBeNull();
    const plain = await thread.run("Say something");
    expect(plain).toMatchObject({ status: "completed", finalResponse: "plain words", output: null });
  });

  test("a schema without Standard JSON Schema support is refused before anything is sent", TIMEOUT, async () => {
    const fake = t.env.fakeModel;
    const thread = await t.codex.threadStart();
    const before = fake.requests.length;
    const bare = v.object({ name: v.string() }) as unknown as OutputSchema;
    await expect(thread.run("x", { outputSchema: bare })).rejects.toSatisfy(
      (error: unknown) => InvalidInputError.isInstance(error) && /toStandardJsonSchema/.test((error as Error).message),
    );
    await expect(thread.run("x", { outputSchema: "object" as unknown as OutputSchema })).rejects.toSatisfy(
      (error: unknown) => InvalidInputError.isInstance(error),
    );
    expect(fake.requests.length).toBe(before);
  });
});
