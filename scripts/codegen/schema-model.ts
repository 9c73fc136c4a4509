// Reading the exported bundle: flattening `definitions.v2` into one namespace, and the small
// JSON helpers the other codegen steps share.
import { isDeepStrictEqual } from "node:util";

/** A JSON Schema node, loosely typed: the generator only reads the keywords it knows. */
export type SchemaNode = { [keyword: string]: unknown };

/** All definitions of one bundle, keyed by their exact schema name. */
export type Definitions = Record<string, SchemaNode>;

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is SchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON value. */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Calls `visit` on every object node below and including `node`, parents before children. */
export function walkSchema(node: unknown, visit: (node: SchemaNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walkSchema(item, visit);
    return;
  }
  if (!isObject(node)) return;
  visit(node);
  for (const value of Object.values(node)) walkSchema(value, visit);
}

/** The definition name a `$ref` points to, after flattening (`#/definitions/Name`). */
export function refName(ref: unknown): string | undefined {
  if (typeof ref !== "string") return undefined;
  const match = /^#\/definitions\/([^/]+)$/.exec(ref);
  return match?.[1];
}

/**
 * Parses a full bundle and returns its definitions in one flat namespace: the nested
 * `definitions.v2` moves to the top level and every `#/definitions/v2/X` reference becomes
 * `#/definitions/X`. Fed nested, json-schema-to-typescript would see `v2` as one opaque
 * object and drop everything inside it.
 *
 * Fails when a name is defined at both levels with different shapes (today the two clashes,
 * `AbsolutePathBuf` and `RequestId`, differ only in `$schema`/`title`), or when a reference
 * points nowhere.
 */
export function flattenBundle(bundleText: string): Definitions {
  const bundle = JSON.parse(bundleText) as SchemaNode;
  if (!isObject(bundle["definitions"])) throw new Error("The schema bundle has no `definitions` object.");
  const { v2, ...topLevel } = bundle["definitions"];
  if (!isObject(v2)) throw new Error("The schema bundle has no `definitions.v2` object.");

  const definitions: Definitions = {};
  const withoutAnnotations = (node: unknown): unknown => {
    if (!isObject(node)) return node;
    const { $schema: _schema, title: _title, ...rest } = node;
    return rest;
  };
  for (const [name, node] of [...Object.entries(topLevel), ...Object.entries(v2)]) {
    if (!isObject(node)) throw new Error(`Definition ${name} is not an object.`);
    const existing = definitions[name];
    if (existing && !isDeepStrictEqual(withoutAnnotations(existing), withoutAnnotations(node))) {
      throw new Error(`Definition ${name} exists both at the top level and in definitions.v2, with different shapes.`);
    }
    definitions[name] = cloneJson(node);
  }

  const missing = new Set<string>();
  walkSchema(definitions, (node) => {
    if (typeof node["$ref"] !== "string") return;
    node["$ref"] = node["$ref"].replace(/^#\/definitions\/v2\//, "#/definitions/");
    const target = refName(node["$ref"]);
    if (!target || !definitions[target]) missing.add(String(node["$ref"]));
  });
  if (missing.size > 0)
    throw new Error(`The schema has references to missing definitions: ${[...missing].join(", ")}.`);

  return Object.fromEntries(
    Object.keys(definitions)
      .sort(compareNames)
      .map((name) => [name, definitions[name]!]),
  );
}

/** Locale-independent ordering (UTF-16 code units), so output is the same on every machine. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
