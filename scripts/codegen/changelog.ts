// The protocol changelog (`schema/CHANGES.md`): what changed between the committed schema and a
// newly exported one, in the words an SDK user needs: methods added or removed per direction,
// types whose fields were added, removed, retyped or changed required-ness, and the breaking
// changes first. A reviewer reads this instead of the generated diff.
//
// Entries are written once, when the exported schema changes, and kept verbatim afterwards
// (the previous schema is gone from the tree by then). Only the "Schema vs wire" section of the
// newest entry is rewritten on every run, from the current schema and the recorded traffic.
import { DIRECTIONS, readMethod, type Direction } from "./method-maps.js";
import { compareNames, isObject, refName, walkSchema, type Definitions, type SchemaNode } from "./schema-model.js";

/** One schema surface as the changelog sees it. */
export interface SurfaceSnapshot {
  definitions: Definitions;
}

/** Both surfaces of one exported schema, with the codex version they came from. */
export interface SchemaSnapshot {
  codexVersion: string;
  stable: SurfaceSnapshot;
  experimental: SurfaceSnapshot;
}

/** A request whose result the schema does not define, with the surfaces that have it. */
export interface SchemaHole {
  direction: Direction;
  method: string;
  experimentalOnly: boolean;
}

/** The title line of the file; everything before the first entry is rewritten each run. */
const TITLE = "# Protocol changes";
const PREAMBLE = [
  TITLE,
  "",
  "Written by `pnpm generate-types` (scripts/codegen/changelog.ts) each time the schema exported from",
  "the pinned codex runtime changes; newest first. Each entry compares the new schema with the one it",
  'replaced. "(experimental)" marks what only the `--experimental` schema has, which `@codex/sdk-core`',
  'types the wire with. Do not edit: entries are kept verbatim, and the "Schema vs wire" section of the',
  "newest entry is rewritten from `packages/sdk-core/test/transcripts/fixtures/` on every run.",
].join("\n");

const DIRECTION_TITLES: Record<Direction, { plural: string; singular: string }> = {
  clientRequest: { plural: "Client requests", singular: "client request" },
  serverRequest: { plural: "Server requests", singular: "server request" },
  serverNotification: { plural: "Server notifications", singular: "server notification" },
  clientNotification: { plural: "Client notifications", singular: "client notification" },
};

const UNION_NAMES: ReadonlySet<string> = new Set(Object.values(DIRECTIONS).map((info) => info.union));

// ---------------------------------------------------------------------------------------------
// Type signatures

interface Signature {
  /** Readable TypeScript-like text. */
  text: string;
  /** The members of its top-level union (one member when it is no union), sorted. */
  members: string[];
}

/** A compact, order-independent TypeScript-like rendering of a schema node. */
export function signature(node: unknown): Signature {
  const members = [...new Set(unionMembers(node))].sort(compareNames);
  return { text: members.join(" | "), members };
}

function unionMembers(node: unknown): string[] {
  if (!isObject(node)) return ["unknown"];
  const ref = refName(node["$ref"]);
  if (ref) return [ref];
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const list = node[keyword];
    if (Array.isArray(list) && !isObject(node["properties"])) return list.flatMap(unionMembers);
  }
  if (Array.isArray(node["allOf"]) && node["allOf"].length === 1) return unionMembers(node["allOf"][0]);
  if (Array.isArray(node["enum"])) return node["enum"].map((value) => JSON.stringify(value));
  const type = node["type"];
  if (Array.isArray(type)) return type.flatMap((item) => unionMembers({ ...node, type: item }));
  switch (type) {
    case "array": {
      const items = signature(node["items"]);
      return [items.members.length > 1 ? `(${items.text})[]` : `${items.text}[]`];
    }
    case "object": {
      if (isObject(node["properties"])) {
        const required = new Set(Array.isArray(node["required"]) ? node["required"] : []);
        const properties = node["properties"];
        const fields = Object.keys(properties).sort(compareNames);
        return [
          `{ ${fields.map((field) => `${field}${required.has(field) ? "" : "?"}: ${signature(properties[field]).text}`).join("; ")} }`,
        ];
      }
      if (isObject(node["additionalProperties"]))
        return [`Record<string, ${signature(node["additionalProperties"]).text}>`];
      return ["object"];
    }
    case "string":
    case "boolean":
    case "null":
      return [type];
    case "integer":
    case "number":
      return ["number"];
    default:
      return ["unknown"];
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes: what a definition offers, field by field

interface Field {
  signature: Signature;
  required: boolean;
}

interface Shape {
  /** Object fields (for a union of objects: the fields shared by every variant). */
  fields: Map<string, Field> | undefined;
  /** Variants of a union of objects, keyed by their tag (`type: "agentMessage"`). */
  variants: Map<string, Map<string, Field>> | undefined;
  /** Anything else: the whole signature. */
  whole: Signature | undefined;
}

function fieldsOf(node: SchemaNode): Map<string, Field> {
  const properties = isObject(node["properties"]) ? node["properties"] : {};
  const required = new Set(Array.isArray(node["required"]) ? node["required"] : []);
  return new Map(
    Object.entries(properties).map(([name, schema]) => [
      name,
      { signature: signature(schema), required: required.has(name) },
    ]),
  );
}

/**
 * The property that tells the variants apart: one every variant pins to a single value, a
 * different one each (`type`, `method`, `mode`). `type` and `method` win when they qualify.
 */
function variantTag(variants: SchemaNode[]): string | undefined {
  const pinned = (variant: SchemaNode, key: string): unknown => {
    const property = isObject(variant["properties"]) ? variant["properties"][key] : undefined;
    return isObject(property) && Array.isArray(property["enum"]) && property["enum"].length === 1
      ? JSON.stringify(property["enum"][0])
      : undefined;
  };
  const keys = Object.keys(isObject(variants[0]?.["properties"]) ? variants[0]!["properties"] : {}).sort(compareNames);
  const candidates = [...["type", "method"].filter((key) => keys.includes(key)), ...keys];
  return candidates.find((key) => {
    const values = variants.map((variant) => pinned(variant, key));
    return values.every((value) => value !== undefined) && new Set(values).size === values.length;
  });
}

function shapeOf(node: SchemaNode): Shape {
  const list = Array.isArray(node["oneOf"]) ? node["oneOf"] : Array.isArray(node["anyOf"]) ? node["anyOf"] : undefined;
  const objects = list?.filter((member): member is SchemaNode => isObject(member) && isObject(member["properties"]));
  if (list && objects && objects.length > 0 && objects.length === list.length) {
    const tag = variantTag(objects);
    const variants = new Map<string, Map<string, Field>>();
    objects.forEach((variant, index) => {
      const value = tag ? (((variant["properties"] as SchemaNode)[tag] as SchemaNode)["enum"] as unknown[]) : undefined;
      const key = tag ? `${tag}: ${JSON.stringify(value![0])}` : `variant ${index + 1}`;
      variants.set(key, fieldsOf(variant));
    });
    return { fields: isObject(node["properties"]) ? fieldsOf(node) : undefined, variants, whole: undefined };
  }
  if (isObject(node["properties"])) return { fields: fieldsOf(node), variants: undefined, whole: undefined };
  return { fields: undefined, variants: undefined, whole: signature(node) };
}

// ---------------------------------------------------------------------------------------------
// Changes

/** One line of the changelog, before rendering. */
interface Change {
  /** Sort and merge key. */
  key: string;
  text: string;
  breaking: boolean;
  section: "methods" | "types";
  /** For methods: the direction. */
  direction?: Direction;
}

type Reach = { inputs: Set<string>; outputs: Set<string> };

/**
 * Which definitions a client sends (request params, client notifications, its answers to server
 * requests) and which it receives (results, notifications, server request params). A field that
 * becomes required breaks senders; one that becomes optional breaks readers.
 */
function reachability(definitions: Definitions): Reach {
  const roots = { inputs: [] as string[], outputs: [] as string[] };
  for (const [direction, info] of Object.entries(DIRECTIONS) as [Direction, (typeof DIRECTIONS)[Direction]][]) {
    const branches = definitions[info.union]?.["oneOf"];
    if (!Array.isArray(branches)) continue;
    for (const branch of branches) {
      const refs: string[] = [];
      walkSchema(
        isObject(branch) && isObject(branch["properties"]) ? branch["properties"]["params"] : undefined,
        (node) => {
          const name = refName(node["$ref"]);
          if (name) refs.push(name);
        },
      );
      const sent = direction === "clientRequest" || direction === "clientNotification";
      (sent ? roots.inputs : roots.outputs).push(...refs);
    }
  }
  // Results: every `*Response` is received by the client, except the answers to server requests.
  const serverRequestParams = new Set(roots.outputs);
  for (const name of Object.keys(definitions)) {
    if (!name.endsWith("Response")) continue;
    const params = `${name.slice(0, -"Response".length)}Params`;
    (serverRequestParams.has(params) && isServerRequestParams(definitions, params) ? roots.inputs : roots.outputs).push(
      name,
    );
  }
  return { inputs: closure(definitions, roots.inputs), outputs: closure(definitions, roots.outputs) };
}

function isServerRequestParams(definitions: Definitions, params: string): boolean {
  const branches = definitions[DIRECTIONS.serverRequest.union]?.["oneOf"];
  if (!Array.isArray(branches)) return false;
  return branches.some((branch) => {
    let found = false;
    walkSchema(
      isObject(branch) && isObject(branch["properties"]) ? branch["properties"]["params"] : undefined,
      (node) => {
        if (refName(node["$ref"]) === params) found = true;
      },
    );
    return found;
  });
}

function closure(definitions: Definitions, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || !definitions[name]) continue;
    seen.add(name);
    walkSchema(definitions[name], (node) => {
      const target = refName(node["$ref"]);
      if (target && !seen.has(target)) queue.push(target);
    });
  }
  return seen;
}

function methodsOf(definitions: Definitions): Record<Direction, Set<string>> {
  const result = {} as Record<Direction, Set<string>>;
  for (const [direction, info] of Object.entries(DIRECTIONS) as [Direction, (typeof DIRECTIONS)[Direction]][]) {
    const branches = definitions[info.union]?.["oneOf"];
    result[direction] = new Set(
      Array.isArray(branches)
        ? branches.map(readMethod).filter((method): method is string => method !== undefined)
        : [],
    );
  }
  return result;
}

type Status = "none" | "experimental" | "stable";

function methodChanges(before: SchemaSnapshot, after: SchemaSnapshot): Change[] {
  const status = (snapshot: SchemaSnapshot) => {
    const stable = methodsOf(snapshot.stable.definitions);
    const experimental = methodsOf(snapshot.experimental.definitions);
    return (direction: Direction, method: string): Status =>
      stable[direction].has(method) ? "stable" : experimental[direction].has(method) ? "experimental" : "none";
  };
  const old = status(before);
  const now = status(after);
  const changes: Change[] = [];
  for (const direction of Object.keys(DIRECTIONS) as Direction[]) {
    const all = new Set([
      ...methodsOf(before.experimental.definitions)[direction],
      ...methodsOf(before.stable.definitions)[direction],
      ...methodsOf(after.experimental.definitions)[direction],
      ...methodsOf(after.stable.definitions)[direction],
    ]);
    for (const method of [...all].sort(compareNames)) {
      const from = old(direction, method);
      const to = now(direction, method);
      if (from === to) continue;
      const name = `${DIRECTION_TITLES[direction].singular} \`${method}\``;
      const tag = to === "experimental" || (to === "none" && from === "experimental") ? " (experimental)" : "";
      let text: string;
      let breaking = false;
      if (from === "none") text = `added ${name}${tag}`;
      else if (to === "none") {
        text = `removed ${name}${tag}`;
        breaking = true;
      } else if (to === "stable") text = `${name} is now stable (was experimental)`;
      else {
        text = `${name} is now experimental only (was stable)`;
        breaking = true;
      }
      changes.push({ key: `0 ${direction} ${method}`, text, breaking, section: "methods", direction });
    }
  }
  return changes;
}

function describeField(field: Field): string {
  return `${field.required ? "" : "?"}: ${field.signature.text}`;
}

function fieldChanges(
  owner: string,
  before: Map<string, Field>,
  after: Map<string, Field>,
  reach: Reach,
  typeName: string,
): Change[] {
  const changes: Change[] = [];
  const isInput = reach.inputs.has(typeName);
  const isOutput = reach.outputs.has(typeName);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort(compareNames);
  for (const name of names) {
    const old = before.get(name);
    const now = after.get(name);
    const key = `1 ${owner} ${name}`;
    const where = `\`${owner}.${name}\``;
    if (!old && now) {
      changes.push({
        key,
        text: `${where} added (\`${name}${describeField(now)}\`)`,
        breaking: now.required && isInput,
        section: "types",
      });
      continue;
    }
    if (old && !now) {
      changes.push({
        key,
        text: `${where} removed (was \`${name}${describeField(old)}\`)`,
        breaking: true,
        section: "types",
      });
      continue;
    }
    if (!old || !now) continue;
    if (old.signature.text !== now.signature.text) {
      const lost = old.signature.members.filter((member) => !now.signature.members.includes(member));
      const gained = now.signature.members.filter((member) => !old.signature.members.includes(member));
      const kind = lost.length === 0 ? "widened" : gained.length === 0 ? "narrowed" : "retyped";
      // A widened type breaks code that receives it only when it must handle every member; a
      // narrowed or retyped one breaks whoever relied on the lost members.
      changes.push({
        key: `${key} 1`,
        text: `${where} ${kind}: \`${old.signature.text}\` → \`${now.signature.text}\``,
        breaking: kind !== "widened",
        section: "types",
      });
    }
    if (old.required !== now.required) {
      const text = now.required ? `${where} is now required` : `${where} is now optional`;
      changes.push({ key: `${key} 2`, text, breaking: now.required ? isInput : isOutput, section: "types" });
    }
  }
  return changes;
}

function typeChanges(before: Definitions, after: Definitions): Change[] {
  const reach = reachability(after);
  const oldReach = reachability(before);
  const merged: Reach = {
    inputs: new Set([...reach.inputs, ...oldReach.inputs]),
    outputs: new Set([...reach.outputs, ...oldReach.outputs]),
  };
  const changes: Change[] = [];
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((name) => !UNION_NAMES.has(name))
    .sort(compareNames);
  for (const name of names) {
    const old = before[name];
    const now = after[name];
    if (!old && now) {
      changes.push({ key: `1 ${name}`, text: `type \`${name}\` added`, breaking: false, section: "types" });
      continue;
    }
    if (old && !now) {
      changes.push({ key: `1 ${name}`, text: `type \`${name}\` removed`, breaking: true, section: "types" });
      continue;
    }
    if (!old || !now) continue;
    const a = shapeOf(old);
    const b = shapeOf(now);
    if (a.whole && b.whole) {
      if (a.whole.text !== b.whole.text) {
        const lost = a.whole.members.filter((member) => !b.whole!.members.includes(member));
        const gained = b.whole.members.filter((member) => !a.whole!.members.includes(member));
        const detail = [
          gained.length ? `adds ${gained.map((m) => `\`${m}\``).join(", ")}` : "",
          lost.length ? `drops ${lost.map((m) => `\`${m}\``).join(", ")}` : "",
        ]
          .filter(Boolean)
          .join("; ");
        changes.push({
          key: `1 ${name}`,
          text: `type \`${name}\` ${lost.length ? (gained.length ? "retyped" : "narrowed") : "widened"}: ${detail}`,
          breaking: lost.length > 0,
          section: "types",
        });
      }
      continue;
    }
    if (a.whole || b.whole) {
      changes.push({
        key: `1 ${name}`,
        text: `type \`${name}\` changed shape: \`${signature(old).text}\` → \`${signature(now).text}\``,
        breaking: true,
        section: "types",
      });
      continue;
    }
    changes.push(...fieldChanges(name, a.fields ?? new Map(), b.fields ?? new Map(), merged, name));
    if (a.variants || b.variants) {
      const oldVariants = a.variants ?? new Map<string, Map<string, Field>>();
      const newVariants = b.variants ?? new Map<string, Map<string, Field>>();
      for (const variant of [...new Set([...oldVariants.keys(), ...newVariants.keys()])].sort(compareNames)) {
        const before = oldVariants.get(variant);
        const after = newVariants.get(variant);
        const owner = `${name} (${variant})`;
        if (!before)
          changes.push({
            key: `1 ${owner}`,
            text: `\`${name}\` variant \`${variant}\` added`,
            breaking: false,
            section: "types",
          });
        else if (!after)
          changes.push({
            key: `1 ${owner}`,
            text: `\`${name}\` variant \`${variant}\` removed`,
            breaking: true,
            section: "types",
          });
        else {
          changes.push(...fieldChanges(owner, before, after, merged, name));
        }
      }
    }
  }
  return changes;
}

/** Merges the changes of the two surfaces: a change only the experimental surface has is tagged. */
function mergeSurfaces(stable: Change[], experimental: Change[]): Change[] {
  const stableKeys = new Map(stable.map((change) => [`${change.key}|${change.text}`, change]));
  const experimentalKeys = new Map(experimental.map((change) => [`${change.key}|${change.text}`, change]));
  const merged: Change[] = [];
  for (const [id, change] of experimentalKeys) {
    merged.push(stableKeys.has(id) ? change : { ...change, text: `${change.text} (experimental)` });
  }
  for (const [id, change] of stableKeys) {
    if (!experimentalKeys.has(id)) merged.push({ ...change, text: `${change.text} (stable schema only)` });
  }
  return merged.sort((a, b) => compareNames(a.key, b.key) || compareNames(a.text, b.text));
}

/** Every change from `before` to `after`, methods and types, each surface compared with itself. */
export function diffSchemas(
  before: SchemaSnapshot,
  after: SchemaSnapshot,
): { breaking: Change[]; methods: Change[]; types: Change[] } {
  const types = mergeSurfaces(
    typeChanges(before.stable.definitions, after.stable.definitions),
    typeChanges(before.experimental.definitions, after.experimental.definitions),
  );
  const methods = methodChanges(before, after);
  const all = [...methods, ...types];
  return {
    breaking: all.filter((change) => change.breaking),
    methods: methods.filter((change) => !change.breaking),
    types: types.filter((change) => !change.breaking),
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering and the file

/** Renders one entry (without its "Schema vs wire" section). */
export function renderEntry(
  before: SchemaSnapshot | undefined,
  after: SchemaSnapshot,
  holes: readonly SchemaHole[],
  unreadable?: string,
): string {
  const lines: string[] = [];
  if (!before) {
    lines.push(
      `## codex ${after.codexVersion}`,
      "",
      unreadable === undefined
        ? "The first schema this changelog knows: nothing to compare it with."
        : `The committed schema it replaced could not be read (${unreadable}): nothing to compare it with.`,
    );
  } else {
    const same = before.codexVersion === after.codexVersion;
    lines.push(
      same
        ? `## codex ${after.codexVersion} (schema re-exported)`
        : `## codex ${after.codexVersion} (from ${before.codexVersion})`,
    );
    const { breaking, methods, types } = diffSchemas(before, after);
    lines.push("");
    if (breaking.length + methods.length + types.length === 0) lines.push("No change to the methods or the types.");
    if (breaking.length > 0) {
      lines.push("### Breaking for SDK users", "");
      for (const change of breaking) lines.push(`- ${upperFirst(change.text)}`);
      lines.push("");
    }
    if (methods.length > 0) {
      lines.push("### Methods", "");
      for (const direction of Object.keys(DIRECTIONS) as Direction[]) {
        const ofDirection = methods.filter((change) => change.direction === direction);
        if (ofDirection.length === 0) continue;
        lines.push(`${DIRECTION_TITLES[direction].plural}:`, "");
        for (const change of ofDirection) lines.push(`- ${upperFirst(change.text)}`);
        lines.push("");
      }
    }
    if (types.length > 0) {
      lines.push("### Types", "");
      for (const change of types) lines.push(`- ${upperFirst(change.text)}`);
      lines.push("");
    }
  }
  while (lines.at(-1) === "") lines.pop();
  lines.push("", "### Schema holes", "");
  if (holes.length === 0) lines.push("None: every request's result is defined by the schema.");
  else {
    lines.push(
      "Requests whose result the schema does not define: their result is typed `unknown` (call them with `client.request()`).",
      "",
    );
    for (const hole of holes) {
      lines.push(
        `- ${DIRECTION_TITLES[hole.direction].singular} \`${hole.method}\`${hole.experimentalOnly ? " (experimental)" : ""}`,
      );
    }
  }
  return lines.join("\n");
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const WIRE_HEADING = "### Schema vs wire";

/** Splits a CHANGES.md into its entries (each starting with `## `), dropping the preamble. */
export function parseEntries(text: string): string[] {
  const parts = text.split(/\n(?=## )/);
  return parts.filter((part) => part.startsWith("## ")).map((part) => part.trimEnd());
}

function withoutWireSection(entry: string): string {
  const at = entry.indexOf(`\n${WIRE_HEADING}\n`);
  return (at < 0 ? entry : entry.slice(0, at)).trimEnd();
}

/** What the changelog is built from. */
export interface ChangelogInput {
  /** The schema committed in the tree before this run (undefined: none, or unreadable). */
  previous: SchemaSnapshot | undefined;
  /** Why the committed schema could not be read, when it could not. */
  previousUnreadable?: string | undefined;
  /** True when the committed bundles are byte-identical to the new ones. */
  unchanged: boolean;
  /** The newly exported schema. */
  current: SchemaSnapshot;
  /** The committed `schema/CHANGES.md`, if any. */
  existing: string | undefined;
  /** Requests of the current schema without a result definition. */
  holes: readonly SchemaHole[];
  /** The body of the "Schema vs wire" section (markdown), or undefined to leave it out. */
  wire: string | undefined;
}

/**
 * The new `schema/CHANGES.md`: a new entry on top when the schema changed (or when the file has
 * none yet), the earlier entries verbatim, and the newest entry's "Schema vs wire" section
 * rewritten. Running it again on its own output with an unchanged schema returns the same text.
 */
export function buildChangelog(input: ChangelogInput): string {
  const entries = input.existing ? parseEntries(input.existing) : [];
  if (!input.unchanged || entries.length === 0) {
    entries.unshift(
      renderEntry(input.unchanged ? undefined : input.previous, input.current, input.holes, input.previousUnreadable),
    );
  }
  const [newest, ...older] = entries;
  const top =
    input.wire === undefined
      ? withoutWireSection(newest!)
      : `${withoutWireSection(newest!)}\n\n${WIRE_HEADING}\n\n${input.wire.trimEnd()}`;
  return `${[PREAMBLE, top, ...older].join("\n\n")}\n`;
}
