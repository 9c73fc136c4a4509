// Schema vs wire: what real servers send that the exported schema does not declare. quicktype-core
// infers a JSON Schema from the recorded messages (the transcript fixtures of sdk-core), grouped
// by envelope and by method; each inferred object is then walked against the declared schema,
// and every field no declared variant has is listed, as is every method the schema lacks.
// The types still come from the schema: this only says where the schema and the wire disagree.
import { InputData, jsonInputForTargetLanguage, quicktype } from "quicktype-core";
import type { MethodMaps, Direction } from "./method-maps.js";
import { compareNames, isObject, refName, type Definitions, type SchemaNode } from "./schema-model.js";

/** One recorded transcript: its file name and JSONL text. */
export interface TranscriptFile {
  name: string;
  text: string;
}

/** Where the fixtures live, relative to the repository root. */
export const TRANSCRIPTS_DIR = "packages/sdk-core/test/transcripts/fixtures";

type WireObject = { [key: string]: unknown };

/** One group of samples of the same shape, and what the schema says it is. */
interface Group {
  /** How the changelog names it. */
  label: string;
  samples: WireObject[];
  /** The declared schema node, or `null` when the schema declares nothing for it. */
  declared: unknown;
  /** Only compare the top level (envelopes: their params and results are compared per method). */
  topLevelOnly: boolean;
}

const SINGULAR: Record<Direction, string> = {
  clientRequest: "client request",
  serverRequest: "server request",
  serverNotification: "server notification",
  clientNotification: "client notification",
};

/**
 * Reads the transcripts' messages, sorted into groups: the envelope of each kind of message, and
 * the params and results of each method. Returns the groups and the methods the schema lacks.
 */
function groupMessages(
  files: readonly TranscriptFile[],
  maps: MethodMaps,
): { groups: Group[]; unknownMethods: string[]; messages: number } {
  const index = new Map<
    string,
    { direction: Direction; params: string | null; result: string | null; hole: boolean }
  >();
  for (const [direction, entries] of Object.entries(maps) as [Direction, MethodMaps[Direction]][]) {
    for (const entry of entries)
      index.set(`${direction} ${entry.method}`, {
        direction,
        params: entry.params,
        result: entry.result,
        hole: entry.resultBy === "missing",
      });
  }
  const groups = new Map<string, Group>();
  const add = (key: string, label: string, declared: unknown, sample: WireObject, topLevelOnly = false) => {
    let group = groups.get(key);
    if (!group) {
      group = { label, samples: [], declared, topLevelOnly };
      groups.set(key, group);
    }
    group.samples.push(sample);
  };
  const unknownMethods = new Set<string>();
  const ref = (name: string | null) => (name ? { $ref: `#/definitions/${name}` } : null);
  let messages = 0;

  for (const file of [...files].sort((a, b) => compareNames(a.name, b.name))) {
    // Request ids are per connection: each `meta` line starts a session.
    let pending = new Map<string, string>();
    for (const line of file.text.split("\n")) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as { direction: "in" | "out" | "meta"; line?: string };
      if (entry.direction === "meta") {
        pending = new Map();
        continue;
      }
      if (typeof entry.line !== "string") continue;
      const message = JSON.parse(entry.line) as WireObject;
      messages += 1;
      const fromServer = entry.direction === "in";
      const method = typeof message["method"] === "string" ? message["method"] : undefined;
      const id =
        message["id"] === undefined
          ? undefined
          : `${fromServer ? "server" : "client"}:${JSON.stringify(message["id"])}`;
      if (method !== undefined) {
        const isRequest = message["id"] !== undefined;
        const direction: Direction = fromServer
          ? isRequest
            ? "serverRequest"
            : "serverNotification"
          : isRequest
            ? "clientRequest"
            : "clientNotification";
        const envelope = isRequest ? "JSONRPCRequest" : "JSONRPCNotification";
        add(`envelope ${direction}`, `every ${SINGULAR[direction]}`, ref(envelope), message, true);
        const known = index.get(`${direction} ${method}`);
        if (!known) {
          unknownMethods.add(`${SINGULAR[direction]} \`${method}\``);
          continue;
        }
        if (id !== undefined) pending.set(id, `${direction} ${method}`);
        if (message["params"] !== undefined)
          add(
            `${direction} ${method} params`,
            `${SINGULAR[direction]} \`${method}\` params`,
            known.params ? ref(known.params) : { type: "null" },
            { params: message["params"] },
          );
        continue;
      }
      // A response: to a request the other side sent.
      const requestKey = `${fromServer ? "client" : "server"}:${JSON.stringify(message["id"])}`;
      const request = pending.get(requestKey);
      pending.delete(requestKey);
      const isError = message["error"] !== undefined;
      add(
        `envelope response ${isError ? "error" : "result"}`,
        `every ${isError ? "error " : ""}response`,
        ref(isError ? "JSONRPCError" : "JSONRPCResponse"),
        message,
        true,
      );
      if (!request || isError) continue;
      const known = index.get(request)!;
      const requestMethod = request.slice(request.indexOf(" ") + 1);
      add(
        `${request} result`,
        `${SINGULAR[known.direction]} \`${requestMethod}\` result`,
        known.hole ? null : ref(known.result),
        { result: message["result"] },
      );
    }
  }
  // Params and results are compared inside a wrapper (`{ params }`, `{ result }`), so their
  // declared node becomes the wrapper's only property.
  const wrapped = [...groups.values()].map((group) => {
    if (group.topLevelOnly) return group;
    const key = "params" in group.samples[0]! ? "params" : "result";
    return {
      ...group,
      declared: group.declared === null ? null : { type: "object", properties: { [key]: group.declared } },
    };
  });
  return { groups: wrapped, unknownMethods: [...unknownMethods].sort(compareNames), messages };
}

/** quicktype-core's JSON Schema for the samples (maps, enums and string formats not inferred). */
async function inferSchema(samples: readonly WireObject[]): Promise<{ root: SchemaNode; definitions: Definitions }> {
  const input = jsonInputForTargetLanguage("schema");
  await input.addSource({ name: "WireMessage", samples: samples.map((sample) => JSON.stringify(sample)) });
  const inputData = new InputData();
  inputData.addInput(input);
  const result = await quicktype({
    inputData,
    lang: "schema",
    inferMaps: false,
    inferEnums: false,
    inferUuids: false,
    inferDateTimes: false,
    inferIntegerStrings: false,
    inferBooleanStrings: false,
  });
  const schema = JSON.parse(result.lines.join("\n")) as SchemaNode;
  return { root: schema, definitions: (schema["definitions"] ?? {}) as Definitions };
}

/** The declared schema's alternatives at a node: `$ref`s followed, unions flattened. */
function alternatives(node: unknown, definitions: Definitions, seen = new Set<string>()): unknown[] {
  if (node === true || node === undefined) return [true];
  if (!isObject(node)) return [];
  const ref = refName(node["$ref"]);
  if (ref) {
    if (seen.has(ref)) return [];
    return alternatives(definitions[ref], definitions, new Set([...seen, ref]));
  }
  const members = [node["anyOf"], node["oneOf"], node["allOf"]].filter(Array.isArray).flat() as unknown[];
  const own =
    isObject(node["properties"]) ||
    node["type"] !== undefined ||
    node["enum"] !== undefined ||
    Object.keys(node).every((key) => key === "description" || key === "title")
      ? [node]
      : [];
  // A union with shared `properties` (the schema's way of writing common fields) counts both.
  return [...own, ...members.flatMap((member) => alternatives(member, definitions, seen))];
}

function isOpen(node: unknown): boolean {
  if (node === true) return true;
  if (!isObject(node)) return false;
  const keys = Object.keys(node).filter((key) => key !== "description" && key !== "title");
  if (keys.length === 0) return true;
  // An object without declared properties (free-form JSON, such as a tool's arguments).
  return node["type"] === "object" && !isObject(node["properties"]) && node["additionalProperties"] === undefined;
}

/** Walks an inferred node against the declared one and collects undeclared field paths. */
function compare(
  inferred: unknown,
  inferredDefinitions: Definitions,
  declared: unknown,
  definitions: Definitions,
  path: string,
  out: Map<string, Set<string>>,
  topLevelOnly: boolean,
): void {
  if (!isObject(inferred)) return;
  const target = refName(inferred["$ref"]);
  if (target) {
    compare(inferredDefinitions[target], inferredDefinitions, declared, definitions, path, out, topLevelOnly);
    return;
  }
  for (const member of [inferred["anyOf"], inferred["oneOf"]].filter(Array.isArray).flat() as unknown[]) {
    compare(member, inferredDefinitions, declared, definitions, path, out, topLevelOnly);
  }
  const options = alternatives(declared, definitions);
  if (options.some(isOpen)) return;

  if (inferred["type"] === "array") {
    const items = options
      .filter((option) => isObject(option) && option["type"] === "array")
      .map((option) => (option as SchemaNode)["items"]);
    if (items.length > 0 && !topLevelOnly)
      compare(inferred["items"], inferredDefinitions, { anyOf: items }, definitions, `${path}[]`, out, false);
    return;
  }
  if (!isObject(inferred["properties"])) return;
  const objects = options.filter(
    (option): option is SchemaNode =>
      isObject(option) &&
      (isObject(option["properties"]) ||
        isObject(option["additionalProperties"]) ||
        option["additionalProperties"] === true),
  );
  if (objects.length === 0) return;
  for (const [key, value] of Object.entries(inferred["properties"])) {
    const declaredHere = objects.flatMap((option) => {
      const properties = isObject(option["properties"]) ? option["properties"] : {};
      if (key in properties) return [properties[key]];
      if (option["additionalProperties"] !== undefined && option["additionalProperties"] !== false)
        return [option["additionalProperties"]];
      return [];
    });
    const fieldPath = path ? `${path}.${key}` : key;
    if (declaredHere.length === 0) {
      const type = inferredType(value, inferredDefinitions);
      if (!out.has(fieldPath)) out.set(fieldPath, new Set());
      out.get(fieldPath)!.add(type);
      continue;
    }
    if (!topLevelOnly) compare(value, inferredDefinitions, { anyOf: declaredHere }, definitions, fieldPath, out, false);
  }
}

function inferredType(node: unknown, definitions: Definitions): string {
  if (!isObject(node)) return "unknown";
  const target = refName(node["$ref"]);
  if (target) return "object";
  const members = [node["anyOf"], node["oneOf"]].filter(Array.isArray).flat() as unknown[];
  if (members.length > 0)
    return [...new Set(members.map((member) => inferredType(member, definitions)))].sort(compareNames).join(" | ");
  if (Array.isArray(node["type"])) return [...node["type"]].map(String).sort(compareNames).join(" | ");
  return typeof node["type"] === "string" ? node["type"] : "unknown";
}

/**
 * The markdown body of the changelog's "Schema vs wire" section: every field and method the
 * recorded traffic has and the (experimental) schema does not declare.
 */
export async function wireFidelitySection(
  files: readonly TranscriptFile[],
  definitions: Definitions,
  maps: MethodMaps,
): Promise<string> {
  if (files.length === 0) return `No recorded traffic in \`${TRANSCRIPTS_DIR}/\`: nothing to compare.`;
  const { groups, unknownMethods, messages } = groupMessages(files, maps);
  const lines: string[] = [];
  for (const group of groups.sort((a, b) => compareNames(a.label, b.label))) {
    if (group.declared === null) {
      lines.push(`- ${group.label}: the schema declares none, the server sends one`);
      continue;
    }
    const inferred = await inferSchema(group.samples);
    const found = new Map<string, Set<string>>();
    compare(inferred.root, inferred.definitions, group.declared, definitions, "", found, group.topLevelOnly);
    for (const [field, types] of [...found].sort(([a], [b]) => compareNames(a, b))) {
      lines.push(`- ${group.label}: \`${field}\` (${[...types].join(" | ")})`);
    }
  }
  const header =
    `Inferred with quicktype-core from ${messages} messages in ${files.length} transcript files (\`${TRANSCRIPTS_DIR}/\`), ` +
    "compared with the experimental schema.";
  if (lines.length === 0 && unknownMethods.length === 0)
    return `${header} Every field and method seen on the wire is declared.`;
  return [
    header,
    "",
    ...(unknownMethods.length > 0
      ? ["Methods the schema does not declare:", "", ...unknownMethods.map((method) => `- ${method}`), ""]
      : []),
    ...(lines.length > 0 ? ["Fields on the wire the schema does not declare:", "", ...lines] : []),
  ]
    .join("\n")
    .trimEnd();
}
