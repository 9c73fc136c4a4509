// What a user can send as a turn's input, and its conversion to the wire `UserInput[]`.
// Everything is checked here, before a request is written, so a typo or a missing image file is
// a clear local error instead of a server round trip (or, worse, a model call without the image).
import { stat } from "node:fs/promises";
import path from "node:path";
import type { ImageDetail, UserInput } from "@codex/protocol-types/experimental";
import { InvalidInputError } from "../errors.js";

/** Plain text. */
export interface TextInput {
  type: "text";
  text: string;
}

/** An image the model fetches from a URL (`https://...` or a `data:` URL). */
export interface ImageInput {
  type: "image";
  url: string;
  /** Resolution hint for the model. */
  detail?: ImageDetail | null | undefined;
}

/**
 * An image file on this machine. The file must exist when the turn starts; a relative path is
 * resolved against this process's working directory and sent as an absolute path.
 */
export interface LocalImageInput {
  type: "localImage";
  path: string;
  /** Resolution hint for the model. */
  detail?: ImageDetail | null | undefined;
}

/** Invokes a skill by name; `path` is the skill's `SKILL.md`. */
export interface SkillInput {
  type: "skill";
  name: string;
  path: string;
}

/** Mentions an app, plugin or file by name and path (for example `app://...`). */
export interface MentionInput {
  type: "mention";
  name: string;
  path: string;
}

/** One piece of a turn's input. */
export type InputItem = TextInput | ImageInput | LocalImageInput | SkillInput | MentionInput;

/** A turn's input: a string (one text item), one item, or several items in order. */
export type RunInput = string | InputItem | readonly InputItem[];

const KINDS = ["text", "image", "localImage", "skill", "mention"] as const;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value) : typeof value;
}

function requireString(item: Record<string, unknown>, field: string, where: string, allowEmpty = false): string {
  const value = item[field];
  if (typeof value !== "string" || (!allowEmpty && value.length === 0)) {
    throw new InvalidInputError(
      `${where}: "${field}" must be a ${allowEmpty ? "" : "non-empty "}string, got ${describe(value)}.`,
    );
  }
  return value;
}

function optionalDetail(item: Record<string, unknown>, where: string): ImageDetail | null | undefined {
  const detail = item["detail"];
  if (detail === undefined || detail === null) return detail;
  if (detail === "auto" || detail === "low" || detail === "high" || detail === "original") return detail;
  throw new InvalidInputError(
    `${where}: "detail" must be one of "auto", "low", "high", "original", got ${describe(detail)}.`,
  );
}

async function checkLocalFile(filePath: string, where: string): Promise<string> {
  const absolute = path.resolve(filePath);
  let isFile: boolean;
  try {
    isFile = (await stat(absolute)).isFile();
  } catch (cause) {
    throw new InvalidInputError(
      `${where}: the image file ${absolute} does not exist or cannot be read. Check the path (relative paths resolve against ${process.cwd()}).`,
      { cause },
    );
  }
  if (!isFile) throw new InvalidInputError(`${where}: ${absolute} is not a file.`);
  return absolute;
}

async function convertItem(value: unknown, where: string): Promise<UserInput> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(`${where} must be a string or an input item object, got ${describe(value)}.`);
  }
  const item = value as Record<string, unknown>;
  switch (item["type"]) {
    case "text":
      return { type: "text", text: requireString(item, "text", where, true), text_elements: [] };
    case "image": {
      const detail = optionalDetail(item, where);
      return { type: "image", url: requireString(item, "url", where), ...(detail != null ? { detail } : {}) };
    }
    case "localImage": {
      const detail = optionalDetail(item, where);
      const absolute = await checkLocalFile(requireString(item, "path", where), where);
      return { type: "localImage", path: absolute, ...(detail != null ? { detail } : {}) };
    }
    case "skill":
      return { type: "skill", name: requireString(item, "name", where), path: requireString(item, "path", where) };
    case "mention":
      return { type: "mention", name: requireString(item, "name", where), path: requireString(item, "path", where) };
    default:
      throw new InvalidInputError(
        `${where}: unknown input type ${describe(item["type"])}; expected one of ${KINDS.map((k) => `"${k}"`).join(", ")}.`,
      );
  }
}

/**
 * Checks a `RunInput` and converts it to the wire's `UserInput[]`. Rejects with
 * `InvalidInputError` for an empty input, an unknown item type, a missing field, or a local image
 * that is not a readable file.
 */
export async function toUserInput(input: RunInput): Promise<UserInput[]> {
  if (typeof input === "string") return [{ type: "text", text: input, text_elements: [] }];
  if (Array.isArray(input)) {
    if (input.length === 0)
      throw new InvalidInputError("The input is empty: pass a string or at least one input item.");
    return Promise.all(input.map((item, index) => convertItem(item, `input[${index}]`)));
  }
  return [await convertItem(input, "input")];
}
