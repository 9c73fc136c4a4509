// Rewrites the flattened definitions into a shape json-schema-to-typescript turns into the
// types a TypeScript user expects. Each rule below exists because the raw output is wrong
// without it (misnamed notification envelopes, `X = {...} & X1`, one-off tag aliases).
import { isDeepStrictEqual } from "node:util";
import { cloneJson, isObject, type Definitions, type SchemaNode } from "./schema-model.js";

/**
 * Rust section comments (`// NEW APIs`) that the schema exporter glues onto the description of
 * the next enum variant. They describe the source file's layout, not the method.
 */
const SECTION_COMMENT = /^(?:NEW|DEPRECATED) (?:APIs|NOTIFICATIONS)(?: below)?(?:\s+|$)/;

/** Keywords whose value is a schema or a list of schemas (besides `properties`). */
const SUBSCHEMA_KEYWORDS = ["items", "additionalProperties", "oneOf", "anyOf", "allOf"] as const;

/** Every keyword the exported schema uses today; anything else fails generation. */
const KNOWN_KEYWORDS = new Set([
  "$ref",
  "$schema",
  "additionalProperties",
  "allOf",
  "anyOf",
  "default",
  "description",
  "enum",
  "format",
  "items",
  "minLength",
  "minimum",
  "oneOf",
  "properties",
  "required",
  "title",
  "type",
]);

/** Removes a leaked Rust section comment from the start of a description. */
export function cleanDescription(description: string): string {
  return description.replace(SECTION_COMMENT, "").trim();
}

/** Facts about the rewrite, for the generator report. */
export interface PreprocessSummary {
  /** Paths of the unions whose shared `properties` were copied into every branch. */
  distributed: string[];
  /** Paths of forward-compatible catch-all branches rewritten to `string & {}`. */
  catchAlls: string[];
}

/**
 * Returns a rewritten deep copy of `definitions`:
 * - `title` and `$schema` are dropped everywhere. json-schema-to-typescript names a type after
 *   its `title` before its definition key, so notification envelopes and their params swapped
 *   names, and every single-value tag became a one-off alias (`type: UserMessageThreadItemType`).
 *   Without titles, only definitions get names (from the key) and tags stay inline literals.
 * - leaked Rust section comments are cut from descriptions, and `default` becomes a JSDoc
 *   `@default` tag;
 * - a schema with both `properties` and `oneOf`/`anyOf` gets its properties copied into each
 *   branch, so the union stays discriminated instead of becoming `{...} & X1`;
 * - a union nested directly in a union is spliced into its parent;
 * - the bare `{type: ["string", "object"]}` catch-all of `CodexErrorInfo` (codes a newer server
 *   may send) becomes `string & {}`: raw, it made the whole union collapse to `string | {}`.
 *   Unknown codes stay assignable and the known literals keep their completions and narrowing.
 */
export function preprocessDefinitions(definitions: Definitions): {
  definitions: Definitions;
  summary: PreprocessSummary;
} {
  const result = cloneJson(definitions);
  const summary: PreprocessSummary = { distributed: [], catchAlls: [] };

  for (const [name, definition] of Object.entries(result)) {
    visit(definition, name);
  }

  function visit(node: unknown, path: string): void {
    if (Array.isArray(node)) {
      for (const [index, item] of node.entries()) visit(item, `${path}/${index}`);
      return;
    }
    if (!isObject(node)) return;
    const unknown = Object.keys(node).filter((keyword) => !KNOWN_KEYWORDS.has(keyword));
    if (unknown.length > 0) {
      // A keyword the rewrite does not know could change what a type means; stop rather than guess.
      throw new Error(
        `${path}: JSON Schema keyword(s) ${unknown.join(", ")} not handled by scripts/codegen/preprocess.ts.`,
      );
    }
    delete node["title"];
    delete node["$schema"];
    if ("default" in node) {
      // json-schema-to-typescript infers a type from `default` (`{allOf: [X], default: "a"}`
      // became `X & string`), and TypeScript has no use for it: keep it as documentation.
      const value = node["default"];
      delete node["default"];
      if (value !== null)
        node["description"] = [node["description"], `@default ${JSON.stringify(value)}`].filter(Boolean).join("\n\n");
    }
    if (typeof node["description"] === "string") {
      const description = cleanDescription(node["description"]);
      if (description) node["description"] = description;
      else delete node["description"];
    }
    if (isObject(node["properties"]) && (node["oneOf"] || node["anyOf"])) {
      distributeProperties(node, path);
      summary.distributed.push(path);
    }
    // Parents first: the branches receive their shared properties before they are visited.
    // Only keywords that hold schemas are walked: a `default` or `enum` value is data.
    if (isObject(node["properties"])) {
      for (const [property, schema] of Object.entries(node["properties"]))
        visit(schema, `${path}/properties/${property}`);
    }
    for (const keyword of SUBSCHEMA_KEYWORDS) {
      if (keyword in node) visit(node[keyword], `${path}/${keyword}`);
    }
    for (const keyword of ["oneOf", "anyOf"] as const) {
      const branches = node[keyword];
      if (!Array.isArray(branches)) continue;
      node[keyword] = branches.flatMap((branch: unknown, index: number) => {
        if (isCatchAll(branch)) {
          summary.catchAlls.push(`${path}/${keyword}/${index}`);
          node["description"] = [node["description"], CATCH_ALL_NOTE].filter(Boolean).join("\n\n");
          return [{ tsType: "string & {}" }];
        }
        return spliceableMembers(branch) ?? [branch];
      });
    }
  }

  return { definitions: result, summary };
}

/** Moves `properties`/`required`/`additionalProperties` of a union schema into each branch. */
function distributeProperties(node: SchemaNode, path: string): void {
  const keyword = node["oneOf"] ? "oneOf" : "anyOf";
  if (node["oneOf"] && node["anyOf"])
    throw new Error(`${path}: both oneOf and anyOf next to properties; the generator does not handle that.`);
  const branches = node[keyword];
  if (!Array.isArray(branches)) throw new Error(`${path}: ${keyword} is not an array.`);
  const shared = node["properties"] as SchemaNode;
  const sharedRequired = Array.isArray(node["required"]) ? (node["required"] as string[]) : [];

  for (const [index, branch] of branches.entries()) {
    if (!isObject(branch) || "$ref" in branch) {
      // A `$ref` branch would need its target inlined to receive the shared properties.
      throw new Error(
        `${path}/${keyword}/${index}: a branch next to shared properties must be an inline object schema.`,
      );
    }
    const own = isObject(branch["properties"]) ? branch["properties"] : {};
    for (const [property, schema] of Object.entries(shared)) {
      if (property in own && !isDeepStrictEqual(own[property], schema)) {
        throw new Error(
          `${path}/${keyword}/${index}: property "${property}" is both shared and branch-specific, with different schemas.`,
        );
      }
    }
    const merged = { ...cloneJson(shared), ...own };
    branch["properties"] = Object.fromEntries(
      Object.keys(merged)
        .sort()
        .map((key) => [key, merged[key]]),
    );
    const required = [
      ...sharedRequired,
      ...(Array.isArray(branch["required"]) ? (branch["required"] as string[]) : []),
    ];
    if (required.length > 0) branch["required"] = [...new Set(required)].sort();
    branch["type"] ??= "object";
    if ("additionalProperties" in node && !("additionalProperties" in branch))
      branch["additionalProperties"] = node["additionalProperties"];
  }
  delete node["properties"];
  delete node["required"];
  delete node["additionalProperties"];
  delete node["type"];
}

const CATCH_ALL_NOTE =
  "The schema also admits any other string or object here, for values added by newer servers. " +
  'Other strings are typed as `string & {}`; other objects are left out so that `"key" in value` checks narrow.';

/** The bare `{type: ["string", "object"]}` branch: "anything else", kept for forward compatibility. */
function isCatchAll(branch: unknown): boolean {
  if (!isObject(branch) || Object.keys(branch).length !== 1) return false;
  const type = branch["type"];
  return Array.isArray(type) && type.length === 2 && type.includes("string") && type.includes("object");
}

/** The members of a branch that is itself nothing but a union, else undefined. */
function spliceableMembers(branch: unknown): unknown[] | undefined {
  if (!isObject(branch)) return undefined;
  const keys = Object.keys(branch).filter((key) => key !== "description");
  if (keys.length !== 1) return undefined;
  const members = branch[keys[0] === "oneOf" ? "oneOf" : keys[0] === "anyOf" ? "anyOf" : ""];
  return Array.isArray(members) ? members : undefined;
}
