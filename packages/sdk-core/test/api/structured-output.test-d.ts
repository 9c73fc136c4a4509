// `outputSchema` types `TurnResult.output`: from a zod 4 schema, from valibot through its
// Standard JSON Schema adapter, as `unknown` for a plain JSON Schema, `null` without one.
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expectTypeOf, test } from "vitest";
import { z } from "zod";
import type { OutputOf, OutputValidationError, Thread, TurnHandle, TurnResult } from "../../src/index.js";

declare const thread: Thread;

const Verdict = z.object({ ok: z.boolean(), reasons: z.array(z.string()) });

describe("structured output types", () => {
  test("a zod 4 schema types output (after narrowing on status)", async () => {
    const result = await thread.run("Review the diff", { outputSchema: Verdict });
    expectTypeOf(result).toEqualTypeOf<TurnResult<{ ok: boolean; reasons: string[] }>>();
    expectTypeOf(result.output).toEqualTypeOf<{ ok: boolean; reasons: string[] } | null>();
    if (result.status === "completed") expectTypeOf(result.output).toEqualTypeOf<{ ok: boolean; reasons: string[] }>();
    else expectTypeOf(result.output).toEqualTypeOf<null>();
  });

  test("a zod transform types output with the schema's output type", async () => {
    const Count = z.object({ count: z.string().transform((text) => Number(text)) });
    const result = await thread.run("Count", { outputSchema: Count });
    if (result.status === "completed") expectTypeOf(result.output).toEqualTypeOf<{ count: number }>();
  });

  test("valibot through toStandardJsonSchema types output", async () => {
    const Person = toStandardJsonSchema(v.object({ name: v.string(), age: v.optional(v.number()) }));
    const turn = await thread.turn("Who?", { outputSchema: Person });
    expectTypeOf(turn).toEqualTypeOf<TurnHandle<{ name: string; age?: number | undefined }>>();
    const result = await turn.run();
    if (result.status === "completed")
      expectTypeOf(result.output).toEqualTypeOf<{ name: string; age?: number | undefined }>();
  });

  test("a plain JSON Schema gives unknown output; no schema gives null", async () => {
    const plain = await thread.run("JSON please", {
      outputSchema: {
        type: "object",
        properties: { city: { type: "string" } },
        required: ["city"],
        additionalProperties: false,
      },
    });
    if (plain.status === "completed") expectTypeOf(plain.output).toEqualTypeOf<unknown>();
    const none = await thread.run("Plain text");
    expectTypeOf(none.output).toEqualTypeOf<null>();
    expectTypeOf<OutputOf<undefined>>().toEqualTypeOf<null>();
  });

  test("a valibot schema without the Standard JSON Schema adapter is refused at compile time", () => {
    const bare = v.object({ name: v.string() });
    // @ts-expect-error valibot schemas need toStandardJsonSchema() to describe themselves as JSON Schema
    void thread.run("x", { outputSchema: bare });
    // @ts-expect-error a JSON Schema is an object, not a string
    void thread.run("x", { outputSchema: "object" });
  });

  test("OutputValidationError carries text, issues and the whole result", () => {
    expectTypeOf<OutputValidationError["text"]>().toEqualTypeOf<string>();
    expectTypeOf<OutputValidationError["issues"][number]["message"]>().toEqualTypeOf<string>();
    expectTypeOf<OutputValidationError["result"]>().toEqualTypeOf<TurnResult<null>>();
  });
});
