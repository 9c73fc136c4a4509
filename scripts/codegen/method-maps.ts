// Resolves every JSON-RPC method of the schema to its params and result types, and emits the
// typed method maps. The method name and params come from the `oneOf` branches of the four
// union definitions; the result type from the `XxxParams -> XxxResponse` convention or the
// reviewed exception table. A request whose result the schema does not define at all (a schema
// hole) is typed `unknown`, listed in the report, and never stops generation.
import { cleanDescription } from "./preprocess.js";
import { NON_RESULT_RESPONSES, RESULT_EXCEPTIONS, type RequestDirection } from "./result-exceptions.js";
import { compareNames, isObject, refName, type Definitions, type SchemaNode } from "./schema-model.js";

/** The four directions of the protocol, each a union definition in the schema. */
export const DIRECTIONS = {
  clientRequest: {
    union: "ClientRequest",
    mapName: "ClientRequestMap",
    methodType: "ClientRequestMethod",
    constName: "CLIENT_REQUEST_METHODS",
    hasResult: true,
  },
  serverRequest: {
    union: "ServerRequest",
    mapName: "ServerRequestMap",
    methodType: "ServerRequestMethod",
    constName: "SERVER_REQUEST_METHODS",
    hasResult: true,
  },
  serverNotification: {
    union: "ServerNotification",
    mapName: "ServerNotificationMap",
    methodType: "ServerNotificationMethod",
    constName: "SERVER_NOTIFICATION_METHODS",
    hasResult: false,
  },
  clientNotification: {
    union: "ClientNotification",
    mapName: "ClientNotificationMap",
    methodType: "ClientNotificationMethod",
    constName: "CLIENT_NOTIFICATION_METHODS",
    hasResult: false,
  },
} as const;

/** One of `clientRequest`, `serverRequest`, `serverNotification`, `clientNotification`. */
export type Direction = keyof typeof DIRECTIONS;

/** One method and the names of its types. */
export interface MethodEntry {
  method: string;
  /** Definition name of the params, or null when the method takes none. */
  params: string | null;
  /** True when the params may be left out (`anyOf: [$ref, null]`, not required). */
  paramsOptional: boolean;
  /** Definition name of the result (requests only); null for a schema hole. */
  result: string | null;
  /**
   * How the result name was found (requests only): `missing` when the schema defines no result
   * for the method, which is then typed `unknown`.
   */
  resultBy: "convention" | "exception" | "missing" | null;
  /** The branch's description, if any. */
  description: string | undefined;
  /**
   * Server notifications only: what the params name. `turn` when they carry a `turnId` or a
   * `turn` (a turn's own events), `thread` when they carry a `threadId` or a `thread` but no turn,
   * `none` otherwise (account, config, processes); null for the other directions.
   */
  scope: NotificationScope | null;
}

/** What a server notification's params name: a turn, only a thread, or neither. */
export type NotificationScope = "turn" | "thread" | "none";

/** Every method of one schema surface, sorted by method name within each direction. */
export type MethodMaps = Record<Direction, MethodEntry[]>;

/** Generation problems, collected so that one run reports all of them. */
export class MethodResolutionError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Cannot build the method maps:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n` +
        `If the runtime added a method whose result does not follow XxxParams -> XxxResponse, add it to scripts/codegen/result-exceptions.ts.`,
    );
    this.name = "MethodResolutionError";
  }
}

/** Tables the resolver reads; defaults to the reviewed ones, replaceable in tests. */
export interface ResolutionTables {
  exceptions: Readonly<Record<RequestDirection, Readonly<Record<string, string>>>>;
  nonResults: readonly string[];
}

/** The result of resolving one surface: its maps and which exception entries it used. */
export interface ResolvedSurface {
  maps: MethodMaps;
  /** `direction:method` keys of the exception entries this surface used. */
  usedExceptions: Set<string>;
}

/**
 * Resolves the methods of one surface. Throws a `MethodResolutionError` listing every exception
 * entry the convention already covers or that names a missing definition, and every `*Response`
 * definition that no method returns. A request without a result definition is not an error: its
 * entry gets `resultBy: "missing"` (see {@link schemaHoles}). When a surface has both such a
 * request and an orphan `*Response`, the orphan's message names the requests it may belong to.
 */
export function resolveMethods(
  definitions: Definitions,
  tables: ResolutionTables = { exceptions: RESULT_EXCEPTIONS, nonResults: NON_RESULT_RESPONSES },
): ResolvedSurface {
  const problems: string[] = [];
  const usedExceptions = new Set<string>();
  const usedResults = new Set<string>();
  const maps = {} as MethodMaps;

  for (const [direction, info] of Object.entries(DIRECTIONS) as [Direction, (typeof DIRECTIONS)[Direction]][]) {
    const union = definitions[info.union];
    const branches = union?.["oneOf"];
    if (!Array.isArray(branches)) {
      problems.push(`${info.union} is missing or has no oneOf.`);
      maps[direction] = [];
      continue;
    }
    const entries: MethodEntry[] = [];
    const seen = new Set<string>();
    for (const [index, branch] of branches.entries()) {
      const where = `${info.union}.oneOf[${index}]`;
      const method = readMethod(branch);
      if (!method) {
        problems.push(`${where}: no single-value properties.method.enum.`);
        continue;
      }
      if (seen.has(method)) problems.push(`${where}: method "${method}" appears twice.`);
      seen.add(method);
      const params = readParams(branch as SchemaNode, definitions);
      if (typeof params === "string") {
        problems.push(`${where} (${method}): ${params}`);
        continue;
      }
      const description =
        typeof (branch as SchemaNode)["description"] === "string"
          ? cleanDescription((branch as SchemaNode)["description"] as string) || undefined
          : undefined;
      const scope = direction === "serverNotification" ? notificationScope(params.params, definitions) : null;
      const entry: MethodEntry = { method, ...params, result: null, resultBy: null, description, scope };
      if (info.hasResult) {
        const requestDirection = direction as RequestDirection;
        const conventional = params.params?.endsWith("Params")
          ? `${params.params.slice(0, -"Params".length)}Response`
          : undefined;
        const exception = tables.exceptions[requestDirection][method];
        if (exception !== undefined) {
          usedExceptions.add(`${requestDirection}:${method}`);
          if (!definitions[exception]) {
            problems.push(`result-exceptions: ${method} -> ${exception}, but ${exception} is not a definition.`);
          } else if (exception === conventional) {
            problems.push(
              `result-exceptions: stale entry ${method} -> ${exception}: the naming convention already gives that; remove it.`,
            );
          }
          entry.result = exception;
          entry.resultBy = "exception";
        } else if (conventional && definitions[conventional]) {
          entry.result = conventional;
          entry.resultBy = "convention";
        } else {
          // The schema defines no result for this method: nothing names one, so there is
          // nothing to review. Typed `unknown`; the report and the changelog list it.
          entry.resultBy = "missing";
        }
        if (entry.result) usedResults.add(entry.result);
      }
      entries.push(entry);
    }
    maps[direction] = entries.sort((a, b) => compareNames(a.method, b.method));
  }

  const holes = Object.values(maps)
    .flat()
    .filter((entry) => entry.resultBy === "missing")
    .map((entry) => entry.method);
  for (const name of Object.keys(definitions)) {
    if (name.endsWith("Response") && !usedResults.has(name) && !tables.nonResults.includes(name)) {
      problems.push(
        `orphan ${name}: no method returns it (a new exception, or add it to NON_RESULT_RESPONSES if it is not a result)` +
          `${holes.length > 0 ? `; requests without a result type: ${holes.join(", ")}` : ""}.`,
      );
    }
  }
  if (problems.length > 0) throw new MethodResolutionError(problems);
  return { maps, usedExceptions };
}

/**
 * Checks the tables against every surface they were used with: an exception entry or a
 * non-result name that no surface needs is stale.
 */
export function checkTablesUsed(
  surfaces: readonly { definitions: Definitions; resolved: ResolvedSurface }[],
  tables: ResolutionTables = { exceptions: RESULT_EXCEPTIONS, nonResults: NON_RESULT_RESPONSES },
): void {
  const problems: string[] = [];
  for (const [direction, entries] of Object.entries(tables.exceptions)) {
    for (const [method, result] of Object.entries(entries)) {
      const key = `${direction}:${method}`;
      if (!surfaces.some((surface) => surface.resolved.usedExceptions.has(key))) {
        problems.push(
          `result-exceptions: stale entry ${direction} "${method}" -> ${result}: no such method in the schema; remove it.`,
        );
      }
    }
  }
  for (const name of tables.nonResults) {
    if (!surfaces.some((surface) => surface.definitions[name])) {
      problems.push(`result-exceptions: stale NON_RESULT_RESPONSES entry ${name}: not a definition; remove it.`);
    }
  }
  if (problems.length > 0) throw new MethodResolutionError(problems);
}

/**
 * What the params definition of a notification names. A `turn` property counts only when it is
 * the `Turn` definition (the payload of `turn/started` and `turn/completed`).
 */
export function notificationScope(params: string | null, definitions: Definitions): NotificationScope {
  const definition = params === null ? undefined : definitions[params];
  const properties = definition !== undefined && isObject(definition["properties"]) ? definition["properties"] : {};
  const turn = properties["turn"];
  if ("turnId" in properties || (isObject(turn) && refName(turn["$ref"]) === "Turn")) return "turn";
  if ("threadId" in properties || "thread" in properties) return "thread";
  return "none";
}

/** The method name of one `oneOf` branch of a direction union (`properties.method.enum[0]`). */
export function readMethod(branch: unknown): string | undefined {
  if (!isObject(branch) || !isObject(branch["properties"])) return undefined;
  const method = branch["properties"]["method"];
  if (!isObject(method) || !Array.isArray(method["enum"]) || method["enum"].length !== 1) return undefined;
  const [name] = method["enum"];
  return typeof name === "string" ? name : undefined;
}

/** The params of a branch, or a problem description. */
function readParams(
  branch: SchemaNode,
  definitions: Definitions,
): Pick<MethodEntry, "params" | "paramsOptional"> | string {
  const properties = branch["properties"] as SchemaNode;
  const schema = properties["params"];
  const required = Array.isArray(branch["required"]) && branch["required"].includes("params");
  if (schema === undefined) return { params: null, paramsOptional: true };
  if (!isObject(schema)) return `unsupported params schema ${JSON.stringify(schema)}.`;
  if (schema["type"] === "null" && Object.keys(schema).length === 1) return { params: null, paramsOptional: true };
  const direct = refName(schema["$ref"]);
  if (direct)
    return definitions[direct] ? { params: direct, paramsOptional: !required } : `params refer to missing ${direct}.`;
  const anyOf = schema["anyOf"];
  if (Array.isArray(anyOf) && anyOf.length === 2) {
    const ref = anyOf.map((member) => (isObject(member) ? refName(member["$ref"]) : undefined)).find(Boolean);
    const hasNull = anyOf.some((member) => isObject(member) && member["type"] === "null");
    if (ref && hasNull && definitions[ref]) return { params: ref, paramsOptional: true };
  }
  return `unsupported params schema ${JSON.stringify(schema)}.`;
}

/** The header line every generated TypeScript file starts with. */
export function generatedHeader(codexVersion: string): string {
  return `// Generated by scripts/generate-types.ts from schema/ (codex ${codexVersion}). Do not edit.`;
}

const MAP_DOCS: Record<Direction, string[]> = {
  clientRequest: [
    "Requests the client sends to the app-server: method name -> `params` and `result` types.",
    "`params` is `undefined` for a method that takes none.",
  ],
  serverRequest: [
    "Requests the app-server sends to the client (approvals, user input): method name -> `params`",
    "and the `result` the client answers with.",
  ],
  serverNotification: ["Notifications the app-server sends: method name -> `params` type."],
  clientNotification: ["Notifications the client sends: method name -> `params` type (`undefined`: none)."],
};

const METHOD_DOCS: Record<Direction, string> = {
  clientRequest: "Method name of a client request.",
  serverRequest: "Method name of a server request.",
  serverNotification: "Method name of a server notification.",
  clientNotification: "Method name of a client notification.",
};

const CONST_DOCS: Record<Direction, string> = {
  clientRequest: "Every client request method in the schema, sorted.",
  serverRequest: "Every server request method in the schema, sorted.",
  serverNotification: "Every server notification method in the schema, sorted.",
  clientNotification: "Every client notification method in the schema, sorted.",
};

function jsDoc(lines: string[], indent: string): string {
  const body = lines
    .flatMap((line) => line.split("\n"))
    .map((line) => `${indent} *${line ? ` ${line.replace(/\*\//g, "*\\/")}` : ""}`);
  return `${indent}/**\n${body.join("\n")}\n${indent} */\n`;
}

/** The requests of `maps` whose result the schema does not define, as `direction:method`, sorted. */
export function schemaHoles(maps: MethodMaps): string[] {
  return (Object.keys(DIRECTIONS) as Direction[]).flatMap((direction) =>
    maps[direction].filter((entry) => entry.resultBy === "missing").map((entry) => `${direction}:${entry.method}`),
  );
}

const HOLE_DOC = "The schema defines no result for this method, so its result is typed `unknown`.";

function paramsType(entry: MethodEntry): string {
  if (!entry.params) return "undefined";
  return entry.paramsOptional ? `${entry.params} | undefined` : entry.params;
}

/** Emits the TypeScript module with the four maps, method types and method-name constants. */
export function emitMethodsModule(maps: MethodMaps, codexVersion: string): string {
  const imported = new Set<string>();
  for (const entries of Object.values(maps)) {
    for (const entry of entries) {
      if (entry.params) imported.add(entry.params);
      if (entry.result) imported.add(entry.result);
    }
  }
  let out = `${generatedHeader(codexVersion)}\n`;
  out += `import type {\n${[...imported]
    .sort(compareNames)
    .map((name) => `  ${name},\n`)
    .join("")}} from "./types.gen.js";\n`;

  out += `\n/**\n * The codex release whose app-server schema these types were generated from (the pinned runtime).\n */\n`;
  out += `export const GENERATED_FOR_CODEX_VERSION = ${JSON.stringify(codexVersion)};\n`;

  for (const [direction, info] of Object.entries(DIRECTIONS) as [Direction, (typeof DIRECTIONS)[Direction]][]) {
    const entries = maps[direction];
    out += `\n${jsDoc(MAP_DOCS[direction], "")}export interface ${info.mapName} {\n`;
    for (const entry of entries) {
      const docs = [entry.description, entry.resultBy === "missing" ? HOLE_DOC : undefined].filter(
        (line) => line !== undefined,
      );
      if (docs.length > 0) out += jsDoc(docs.length === 2 ? [docs[0]!, "", docs[1]!] : docs, "  ");
      const value = info.hasResult
        ? `{ params: ${paramsType(entry)}; result: ${entry.result ?? "unknown"} }`
        : paramsType(entry);
      out += `  ${JSON.stringify(entry.method)}: ${value};\n`;
    }
    out += `}\n`;
    out += `\n/** ${METHOD_DOCS[direction]} */\nexport type ${info.methodType} = keyof ${info.mapName};\n`;
    out += `\n/** ${CONST_DOCS[direction]} */\nexport const ${info.constName} = [\n`;
    out += entries.map((entry) => `  ${JSON.stringify(entry.method)},\n`).join("");
    out += `] as const satisfies readonly ${info.methodType}[];\n`;
    if (direction === "serverNotification") out += emitScopes(entries);
  }
  return out;
}

const SCOPE_DOCS: Record<
  Exclude<NotificationScope, "none">,
  { constName: string; typeName: string; docs: string[]; typeDoc: string }
> = {
  turn: {
    constName: "TURN_NOTIFICATION_METHODS",
    typeName: "TurnNotificationMethod",
    docs: [
      "Server notifications whose params name a turn (a `turnId`, or a `turn`): the events of one",
      "turn, derived from the schema. Sorted.",
    ],
    typeDoc: "Method name of a server notification whose params name a turn.",
  },
  thread: {
    constName: "THREAD_NOTIFICATION_METHODS",
    typeName: "ThreadNotificationMethod",
    docs: [
      "Server notifications whose params name a thread (a `threadId`, or a `thread`) but no turn:",
      "the thread's own events (status, name, settings, resolved server requests, warnings). Sorted.",
    ],
    typeDoc: "Method name of a server notification whose params name a thread but no turn.",
  },
};

/** The per-scope constants and method types of the server notifications. */
function emitScopes(entries: readonly MethodEntry[]): string {
  let out = "";
  for (const scope of ["turn", "thread"] as const) {
    const info = SCOPE_DOCS[scope];
    out += `\n${jsDoc(info.docs, "")}export const ${info.constName} = [\n`;
    out += entries
      .filter((entry) => entry.scope === scope)
      .map((entry) => `  ${JSON.stringify(entry.method)},\n`)
      .join("");
    out += `] as const satisfies readonly ServerNotificationMethod[];\n`;
    out += `\n/** ${info.typeDoc} */\nexport type ${info.typeName} = (typeof ${info.constName})[number];\n`;
  }
  return out;
}

/** A reviewable summary of the method resolution: what each method's params and result are. */
export function methodReport(maps: MethodMaps): Record<string, unknown> {
  const describe = (entry: MethodEntry): Record<string, unknown> => ({
    params: entry.params,
    ...(entry.params && entry.paramsOptional ? { paramsOptional: true } : {}),
    ...(entry.resultBy ? { result: entry.result, resultBy: entry.resultBy } : {}),
    ...(entry.scope ? { scope: entry.scope } : {}),
  });
  return Object.fromEntries(
    (Object.keys(DIRECTIONS) as Direction[]).map((direction) => [
      direction,
      Object.fromEntries(maps[direction].map((entry) => [entry.method, describe(entry)])),
    ]),
  );
}
