// The generated method maps and constants against the committed schema: exactly the methods
// of each union, and the right params/result names for each (by name, which type equality
// cannot check for structurally identical types such as ThreadStartResponse/ThreadForkResponse).
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as experimental from "../src/experimental.js";
import * as stable from "../src/index.js";

const repositoryRoot = new URL("../../../", import.meta.url);
const readText = (relative: string): string => readFileSync(new URL(relative, repositoryRoot), "utf8");

type Json = { [key: string]: unknown };

/** Method names and params refs of a union, read straight from the bundle. */
function unionMethods(bundle: Json, union: string): Map<string, string | null> {
  const definitions = bundle["definitions"] as Json;
  const node = (definitions[union] ?? (definitions["v2"] as Json)[union]) as { oneOf: Json[] };
  const methods = new Map<string, string | null>();
  for (const branch of node.oneOf) {
    const properties = branch["properties"] as Json;
    const method = (properties["method"] as { enum: string[] }).enum[0]!;
    const params = properties["params"] as Json | undefined;
    const ref = (params?.["$ref"] ?? (params?.["anyOf"] as Json[] | undefined)?.[0]?.["$ref"]) as string | undefined;
    methods.set(method, ref ? ref.split("/").pop()! : null);
  }
  return methods;
}

const surfaces = [
  {
    name: "stable",
    module: stable,
    schemaPath: "schema/codex_app_server_protocol.schemas.json",
    generatedDir: "packages/protocol-types/src/generated/",
  },
  {
    name: "experimental",
    module: experimental,
    schemaPath: "schema/experimental/codex_app_server_protocol.schemas.json",
    generatedDir: "packages/protocol-types/src/generated/experimental/",
  },
] as const;

const unions = [
  { union: "ClientRequest", constant: "CLIENT_REQUEST_METHODS", map: "ClientRequestMap", reportKey: "clientRequest" },
  { union: "ServerRequest", constant: "SERVER_REQUEST_METHODS", map: "ServerRequestMap", reportKey: "serverRequest" },
  {
    union: "ServerNotification",
    constant: "SERVER_NOTIFICATION_METHODS",
    map: "ServerNotificationMap",
    reportKey: "serverNotification",
  },
  {
    union: "ClientNotification",
    constant: "CLIENT_NOTIFICATION_METHODS",
    map: "ClientNotificationMap",
    reportKey: "clientNotification",
  },
] as const;

/** `"method": <value>;` lines of one interface in the generated module source. */
function mapEntries(source: string, mapName: string): Map<string, string> {
  const start = source.indexOf(`export interface ${mapName} {`);
  if (start < 0) throw new Error(`${mapName} is not in the generated module`);
  const body = source.slice(start, source.indexOf("\n}\n", start));
  const entries = new Map<string, string>();
  for (const match of body.matchAll(/^ {2}"([^"]+)": (.+);$/gm)) entries.set(match[1]!, match[2]!);
  return entries;
}

describe.each(surfaces)("$name surface", ({ module, schemaPath, generatedDir }) => {
  const bundle = JSON.parse(readText(schemaPath)) as Json;
  const methodsSource = readText(`${generatedDir}methods.gen.ts`);
  const report = JSON.parse(readText(`${generatedDir}report.json`)) as Record<
    string,
    Record<string, { params: string | null; result?: string; resultBy?: string }>
  >;

  test.each(unions)("$constant holds exactly the methods of $union", ({ union, constant }) => {
    const fromSchema = [...unionMethods(bundle, union).keys()];
    const generated: readonly string[] = module[constant];
    expect(fromSchema.length).toBeGreaterThan(0);
    expect(generated).toHaveLength(fromSchema.length);
    expect([...generated].sort()).toEqual([...fromSchema].sort());
    expect(new Set(generated).size).toBe(generated.length);
  });

  test.each(unions)("$map has one entry per method of $union, with the schema's params type", ({ union, map }) => {
    const fromSchema = unionMethods(bundle, union);
    const entries = mapEntries(methodsSource, map);
    expect([...entries.keys()].sort()).toEqual([...fromSchema.keys()].sort());
    for (const [method, params] of fromSchema) {
      const value = entries.get(method)!;
      const paramsType = value.startsWith("{ params: ") ? /^\{ params: ([^;]+);/.exec(value)![1]! : value;
      expect(paramsType.replace(/ \| undefined$/, ""), method).toBe(params ?? "undefined");
    }
  });

  test.each(unions.slice(0, 2))(
    "$map results agree with the report and the naming convention",
    ({ map, reportKey }) => {
      const entries = mapEntries(methodsSource, map);
      const reported = report[reportKey]!;
      const holes = report["schemaHoles"] as unknown as string[];
      for (const [method, value] of entries) {
        const result = /result: (\w+) \}$/.exec(value)?.[1];
        const params = reported[method]?.params;
        if (reported[method]?.resultBy === "missing") {
          // A schema hole: no result definition, typed `unknown` (never `any`) and listed as such.
          expect(result, method).toBe("unknown");
          expect(reported[method]?.result, method).toBeNull();
          expect(holes, method).toContain(`${reportKey}:${method}`);
          continue;
        }
        expect(result, method).toBe(reported[method]?.result);
        if (reported[method]?.resultBy === "convention")
          expect(result, method).toBe(params!.replace(/Params$/, "Response"));
        else expect(reported[method]?.resultBy, method).toBe("exception");
      }
      expect(holes.filter((hole) => hole.startsWith(`${reportKey}:`)).length).toBe(
        [...entries.values()].filter((value) => value.endsWith("result: unknown }")).length,
      );
    },
  );

  test("thread/start and thread/fork map to their own (structurally identical) responses", () => {
    const entries = mapEntries(methodsSource, "ClientRequestMap");
    expect(entries.get("thread/start")).toBe("{ params: ThreadStartParams; result: ThreadStartResponse }");
    expect(entries.get("thread/fork")).toBe("{ params: ThreadForkParams; result: ThreadForkResponse }");
  });
});

test("the experimental surface is a superset of the stable one", () => {
  for (const { constant } of unions) {
    const experimentalMethods = new Set<string>(experimental[constant]);
    for (const method of stable[constant]) expect(experimentalMethods.has(method), `${constant} ${method}`).toBe(true);
  }
  expect(experimental.CLIENT_REQUEST_METHODS.length).toBeGreaterThan(stable.CLIENT_REQUEST_METHODS.length);
});

test("every generated TypeScript file starts with the generated-file header", () => {
  const { codexRuntimeVersion } = JSON.parse(readText("package.json")) as { codexRuntimeVersion: string };
  for (const { generatedDir } of surfaces) {
    for (const file of ["types.gen.ts", "methods.gen.ts"]) {
      const firstLine = readText(`${generatedDir}${file}`).split("\n", 1)[0];
      expect(firstLine).toBe(
        `// Generated by scripts/generate-types.ts from schema/ (codex ${codexRuntimeVersion}). Do not edit.`,
      );
    }
  }
});
