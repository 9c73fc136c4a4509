// Structured output: the `outputSchema` of a turn, as a plain JSON Schema or as a schema object
// of any library that implements Standard Schema and Standard JSON Schema (zod >= 4.2, arktype,
// valibot through `toStandardJsonSchema`). The JSON Schema goes to the server; the final answer
// is parsed and, with a schema library, validated and typed.
//
// The two interfaces are declared here, structurally, so the SDK depends on no schema library
// (https://standardschema.dev: `StandardSchemaV1` and `StandardJSONSchemaV1`, version 1).
import { InvalidInputError, OutputValidationError } from "../errors.js";
import type { TurnResult } from "./turn-result.js";

/** One problem Standard Schema validation found (`path` names where, when it says). */
export interface StandardSchemaIssue {
  /** What is wrong, in words. */
  readonly message: string;
  /** Where: property keys, or `{ key }` segments. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The result of a Standard Schema `validate()`: the value, or the issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardSchemaIssue> };

/** Options of a Standard JSON Schema converter (`jsonSchema.input()` / `jsonSchema.output()`). */
export interface StandardJsonSchemaOptions {
  /** The JSON Schema dialect, e.g. `"draft-2020-12"` or `"draft-07"`. */
  readonly target: "draft-2020-12" | "draft-07" | "openapi-3.0" | (string & {});
  /** Options the library defines for itself. */
  readonly libraryOptions?: Record<string, unknown> | undefined;
}

/**
 * The `~standard` member of a schema that implements both Standard Schema (`validate`) and
 * Standard JSON Schema (`jsonSchema`).
 */
export interface StandardSchemaWithJsonSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  /** The library, e.g. `"zod"` or `"valibot"`. */
  readonly vendor: string;
  /** Checks a value and returns it (possibly transformed) or the issues. */
  readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Carries the input and output types for inference only. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  /** Converts the schema to JSON Schema. */
  readonly jsonSchema: {
    readonly input: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
    readonly output: (options: StandardJsonSchemaOptions) => Record<string, unknown>;
  };
}

/**
 * A schema object that implements Standard Schema and Standard JSON Schema: `z.object({...})`
 * of zod >= 4.2, an arktype type, or `toStandardJsonSchema(v.object({...}))` of valibot.
 */
export interface StandardSchemaWithJsonSchema<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaWithJsonSchemaProps<Input, Output>;
}

/**
 * A plain JSON Schema object, e.g. `{ type: "object", properties: {...}, required: [...] }`.
 * A schema library's object without Standard JSON Schema support does not fit here: convert it
 * (valibot: `toStandardJsonSchema()` of `@valibot/to-json-schema`; zod: version 4.2 or newer).
 */
export interface JsonSchemaObject {
  readonly "~standard"?: never;
  readonly [keyword: string]: unknown;
}

/** What `outputSchema` takes: a plain JSON Schema, or a Standard Schema with Standard JSON Schema. */
export type OutputSchema = JsonSchemaObject | StandardSchemaWithJsonSchema<unknown, unknown>;

/**
 * The type of `TurnResult.output` for an `outputSchema` type: the schema's output type for a
 * schema library's object, `unknown` (parsed JSON) for a plain JSON Schema, `null` without one.
 */
export type OutputOf<Schema> = Schema extends {
  readonly "~standard": { readonly types?: { readonly output: infer Output } | undefined };
}
  ? Output
  : Schema extends JsonSchemaObject
    ? unknown
    : null;

/** The JSON Schema dialect asked of schema libraries. */
const JSON_SCHEMA_TARGET = "draft-2020-12";

/** @internal A turn's output schema, prepared: what to send, and how to read the answer. */
export interface PreparedOutputSchema {
  /** The JSON Schema sent as `turn/start.outputSchema`. */
  readonly jsonSchema: Record<string, unknown>;
  /** Parses (and validates) a finished turn's answer into `output`. */
  decode(result: TurnResult<null>): Promise<TurnResult<unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * @internal Checks `outputSchema` and converts it to the JSON Schema the server gets. Throws
 * `InvalidInputError` (nothing is sent) for a value that is neither a JSON Schema object nor a
 * Standard Schema with Standard JSON Schema.
 */
export function prepareOutputSchema(schema: unknown): PreparedOutputSchema | undefined {
  if (schema === undefined || schema === null) return undefined;
  if (!isRecord(schema) && typeof schema !== "function") {
    throw new InvalidInputError(
      `outputSchema must be a JSON Schema object or a Standard Schema (zod, valibot, arktype), got ${Array.isArray(schema) ? "an array" : typeof schema}.`,
    );
  }
  const standard = (schema as Record<string, unknown>)["~standard"];
  if (standard === undefined) {
    if (typeof schema === "function")
      throw new InvalidInputError(
        "outputSchema is a function without a `~standard` member: it is neither a JSON Schema nor a Standard Schema.",
      );
    const jsonSchema = schema as Record<string, unknown>;
    return { jsonSchema, decode: (result) => decodeAnswer(result, undefined) };
  }
  if (!isRecord(standard) || typeof standard["validate"] !== "function") {
    throw new InvalidInputError(
      "outputSchema has a `~standard` member without `validate()`: it is not a Standard Schema.",
    );
  }
  const converter = standard["jsonSchema"];
  if (!isRecord(converter) || typeof converter["output"] !== "function" || typeof converter["input"] !== "function") {
    const vendor = typeof standard["vendor"] === "string" ? standard["vendor"] : "this library";
    throw new InvalidInputError(
      `outputSchema is a ${vendor} schema without Standard JSON Schema support, so it cannot be sent to the model. ` +
        `Use zod 4.2 or newer, wrap a valibot schema in toStandardJsonSchema() from @valibot/to-json-schema, or pass a plain JSON Schema object.`,
    );
  }
  const convert = converter as unknown as StandardSchemaWithJsonSchemaProps["jsonSchema"];
  let jsonSchema: Record<string, unknown>;
  try {
    // The output type's schema: for a schema without transforms it describes the same values
    // as the input's, and (unlike zod's input schema) it closes objects with
    // `additionalProperties: false`, which the model's strict structured-output mode requires.
    jsonSchema = convert.output({ target: JSON_SCHEMA_TARGET });
  } catch (outputError) {
    // A transform's output has no JSON Schema (zod throws); the model then answers in the
    // schema's input type, which is what `validate()` takes anyway.
    try {
      jsonSchema = convert.input({ target: JSON_SCHEMA_TARGET });
    } catch {
      const reason = outputError instanceof Error ? outputError.message : String(outputError);
      throw new InvalidInputError(
        `outputSchema could not be converted to JSON Schema (${JSON_SCHEMA_TARGET}): ${reason}`,
        { cause: outputError },
      );
    }
  }
  if (!isRecord(jsonSchema))
    throw new InvalidInputError("outputSchema's JSON Schema conversion did not return an object.");
  // `$schema` only names the dialect; the model's structured-output mode does not take it.
  const { $schema: _dialect, ...rest } = jsonSchema;
  const validate = standard["validate"] as StandardSchemaWithJsonSchemaProps["validate"];
  return { jsonSchema: rest, decode: (result) => decodeAnswer(result, validate) };
}

/** Parses the final answer of a completed turn as JSON and validates it; other turns get `output: null`. */
async function decodeAnswer(
  result: TurnResult<null>,
  validate: StandardSchemaWithJsonSchemaProps["validate"] | undefined,
): Promise<TurnResult<unknown>> {
  if (result.status !== "completed") return result;
  const text = result.finalResponse;
  if (text === null) {
    throw new OutputValidationError("", [{ message: "The turn completed without a final answer." }], result);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OutputValidationError(
      text,
      [{ message: `The final answer is not JSON: ${error instanceof Error ? error.message : String(error)}` }],
      result,
    );
  }
  if (validate === undefined) return { ...result, output: parsed };
  const validated = await validate(parsed);
  if (validated.issues !== undefined) throw new OutputValidationError(text, validated.issues, result);
  return { ...result, output: validated.value };
}
