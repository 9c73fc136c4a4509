// Checks that what the client sends can be encoded, before anything is sent or a slot taken.
import { InvalidInputError } from "../errors.js";

/** JSON text of `value`, or `InvalidInputError` (a `BigInt`, a cycle, a throwing `toJSON`, a function). */
export function encodeJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(
      `${what} cannot be encoded as JSON (${describeError(error)}); nothing was sent. Pass plain data: no BigInt, cycles, or throwing toJSON.`,
      {
        cause: error,
      },
    );
  }
  if (text === undefined)
    throw new InvalidInputError(
      `${what} cannot be encoded as JSON (it is ${typeof value}); nothing was sent. Pass plain data.`,
    );
  return text;
}

/** The message of an error, or the value as text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
