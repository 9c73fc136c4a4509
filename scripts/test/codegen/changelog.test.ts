// The protocol changelog on small synthetic schema pairs: what it lists, what it calls breaking,
// and that rewriting it with an unchanged schema is byte-identical.
import { describe, expect, test } from "vitest";
import {
  buildChangelog,
  diffSchemas,
  parseEntries,
  renderEntry,
  type SchemaSnapshot,
} from "../../codegen/changelog.js";
import type { Definitions } from "../../codegen/schema-model.js";

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const branch = (method: string, params?: string) => ({
  properties: { method: { enum: [method], type: "string" }, ...(params ? { params: ref(params) } : {}) },
  required: ["method", ...(params ? ["params"] : [])],
  type: "object",
});

interface Methods {
  clientRequest?: [string, string?][];
  serverRequest?: [string, string?][];
  serverNotification?: [string, string?][];
}

/** A surface: the four direction unions from `methods`, plus `types`. */
function surface(methods: Methods, types: Definitions = {}): Definitions {
  const union = (list: [string, string?][] = []) => ({ oneOf: list.map(([method, params]) => branch(method, params)) });
  return {
    ClientRequest: union(methods.clientRequest),
    ServerRequest: union(methods.serverRequest),
    ServerNotification: union(methods.serverNotification),
    ClientNotification: union([["initialized"]]),
    ...types,
  };
}

function snapshot(codexVersion: string, stable: Definitions, experimental: Definitions = stable): SchemaSnapshot {
  return { codexVersion, stable: { definitions: stable }, experimental: { definitions: experimental } };
}

const texts = (changes: { text: string }[]) => changes.map((change) => change.text);

describe("diffSchemas: methods", () => {
  test("lists methods added and removed per direction, tagging the experimental ones, removals as breaking", () => {
    const before = snapshot(
      "1.0.0",
      surface({ clientRequest: [["thread/start"]], serverRequest: [["currentTime/read"]] }),
      surface({ clientRequest: [["thread/start"], ["memory/reset"]], serverRequest: [["currentTime/read"]] }),
    );
    const after = snapshot(
      "1.1.0",
      surface({
        clientRequest: [["thread/start"], ["memory/reset"], ["model/default/set"]],
        serverNotification: [["thread/search/partial"]],
      }),
      surface({
        clientRequest: [["thread/start"], ["memory/reset"], ["model/default/set"], ["thread/search/stream"]],
        serverNotification: [["thread/search/partial"]],
      }),
    );
    const { breaking, methods } = diffSchemas(before, after);
    expect(texts(breaking)).toEqual(["removed server request `currentTime/read`"]);
    expect(texts(methods)).toEqual([
      "client request `memory/reset` is now stable (was experimental)",
      "added client request `model/default/set`",
      "added client request `thread/search/stream` (experimental)",
      "added server notification `thread/search/partial`",
    ]);
  });

  test("a stable method that becomes experimental only is breaking", () => {
    const before = snapshot("1.0.0", surface({ clientRequest: [["thread/start"]] }));
    const after = snapshot("1.1.0", surface({}), surface({ clientRequest: [["thread/start"]] }));
    expect(texts(diffSchemas(before, after).breaking)).toEqual([
      "client request `thread/start` is now experimental only (was stable)",
    ]);
  });
});

describe("diffSchemas: types", () => {
  const methods: Methods = {
    clientRequest: [["thread/start", "ThreadStartParams"]],
    serverNotification: [["thread/started", "ThreadStartedNotification"]],
  };
  const types = (params: object, notification: object, extra: Definitions = {}) =>
    surface(methods, {
      ThreadStartParams: { type: "object", ...params },
      ThreadStartResponse: { type: "object", properties: {} },
      ThreadStartedNotification: { type: "object", ...notification },
      ...extra,
    });

  test("fields added, removed, retyped; required-ness judged by who sends the type", () => {
    const before = snapshot(
      "1.0.0",
      types(
        {
          properties: {
            cwd: { type: "string" },
            model: { type: ["string", "null"] },
            sandbox: { enum: ["read-only", "full"], type: "string" },
            gone: { type: "boolean" },
          },
          required: ["cwd"],
        },
        {
          properties: { threadId: { type: "string" }, name: { type: "string" }, count: { type: "integer" } },
          required: ["threadId", "name"],
        },
      ),
    );
    const after = snapshot(
      "1.1.0",
      types(
        // Sent by the client: a field that becomes required, or a new required one, breaks callers.
        {
          properties: {
            cwd: { type: "string" },
            model: { type: "string" },
            sandbox: { enum: ["read-only", "full", "none"], type: "string" },
            effort: { type: "string" },
          },
          required: ["cwd", "model", "effort"],
        },
        // Received by the client: a field that becomes optional breaks readers.
        {
          properties: {
            threadId: { type: "string" },
            name: { type: "string" },
            count: { type: "string" },
            emittedAtMs: { type: "integer" },
          },
          required: ["threadId", "count"],
        },
      ),
    );
    const { breaking, types: other } = diffSchemas(before, after);
    expect(texts(breaking)).toEqual([
      "`ThreadStartParams.effort` added (`effort: string`)",
      "`ThreadStartParams.gone` removed (was `gone?: boolean`)",
      "`ThreadStartParams.model` narrowed: `null | string` → `string`",
      "`ThreadStartParams.model` is now required",
      "`ThreadStartedNotification.count` retyped: `number` → `string`",
      "`ThreadStartedNotification.name` is now optional",
    ]);
    expect(texts(other)).toEqual([
      '`ThreadStartParams.sandbox` widened: `"full" | "read-only"` → `"full" | "none" | "read-only"`',
      "`ThreadStartedNotification.count` is now required",
      "`ThreadStartedNotification.emittedAtMs` added (`emittedAtMs?: number`)",
    ]);
  });

  test("types added and removed, enums widened and narrowed, union variants by their tag", () => {
    const item = (variants: [string, object][]) => ({
      oneOf: variants.map(([type, properties]) => ({
        properties: { type: { enum: [type], type: "string" }, ...properties },
        required: ["type"],
        type: "object",
      })),
    });
    const before = snapshot(
      "1.0.0",
      types(
        { properties: {} },
        { properties: {} },
        {
          Old: { type: "string" },
          Code: { enum: ["a", "b"], type: "string" },
          Mode: { enum: ["x", "y"], type: "string" },
          Item: item([
            ["agentMessage", { text: { type: "string" } }],
            ["reasoning", {}],
          ]),
        },
      ),
    );
    const after = snapshot(
      "1.1.0",
      types(
        { properties: {} },
        { properties: {} },
        {
          New: { type: "string" },
          Code: { enum: ["a", "b", "c"], type: "string" },
          Mode: { enum: ["x"], type: "string" },
          Item: item([
            ["agentMessage", { text: { type: "string" }, phase: { type: "string" } }],
            ["search", {}],
          ]),
        },
      ),
    );
    const { breaking, types: other } = diffSchemas(before, after);
    expect(texts(breaking)).toContain("type `Old` removed");
    expect(texts(breaking)).toContain('type `Mode` narrowed: drops `"y"`');
    expect(texts(breaking)).toContain('`Item` variant `type: "reasoning"` removed');
    expect(texts(other)).toContain("type `New` added");
    expect(texts(other)).toContain('type `Code` widened: adds `"c"`');
    expect(texts(other)).toContain('`Item` variant `type: "search"` added');
    expect(texts(other)).toContain('`Item (type: "agentMessage").phase` added (`phase?: string`)');
  });

  test("each surface is compared with itself: a change only one of them has says which", () => {
    const before = snapshot("1.0.0", types({ properties: {} }, { properties: {} }));
    const after = snapshot(
      "1.1.0",
      types({ properties: {} }, { properties: {} }, { Stable: { type: "string" } }),
      types({ properties: { experimentalField: { type: "string" } } }, { properties: {} }),
    );
    expect(texts(diffSchemas(before, after).types)).toEqual([
      "type `Stable` added (stable schema only)",
      "`ThreadStartParams.experimentalField` added (`experimentalField?: string`) (experimental)",
    ]);
  });
});

describe("buildChangelog", () => {
  const v1 = snapshot("1.0.0", surface({ clientRequest: [["thread/start"]], serverRequest: [["currentTime/read"]] }));
  const v2 = snapshot("1.1.0", surface({ clientRequest: [["thread/start"], ["thread/search/stream"]] }));
  const v3 = snapshot("1.2.0", surface({ clientRequest: [["thread/start"], ["thread/search/stream"], ["model/set"]] }));
  const hole = { direction: "clientRequest" as const, method: "model/set", experimentalOnly: false };

  test("puts the breaking changes before the rest and lists the schema holes", () => {
    const entry = renderEntry(v2, v3, [hole]);
    expect(entry.split("\n")[0]).toBe("## codex 1.2.0 (from 1.1.0)");
    expect(entry).toContain("- client request `model/set`");
    const breaking = renderEntry(v1, v2, []);
    expect(breaking.indexOf("### Breaking for SDK users")).toBeGreaterThan(0);
    expect(breaking.indexOf("- Removed server request `currentTime/read`")).toBeLessThan(
      breaking.indexOf("### Methods"),
    );
    expect(breaking).toContain("None: every request's result is defined by the schema.");
  });

  test("adds an entry on top when the schema changes, keeps it byte-identical when it does not", () => {
    const first = buildChangelog({
      previous: undefined,
      unchanged: false,
      current: v1,
      existing: undefined,
      holes: [],
      wire: "wire v1",
    });
    expect(parseEntries(first).map((entry) => entry.split("\n")[0])).toEqual(["## codex 1.0.0"]);

    const second = buildChangelog({
      previous: v1,
      unchanged: false,
      current: v2,
      existing: first,
      holes: [],
      wire: "wire v2",
    });
    const third = buildChangelog({
      previous: v2,
      unchanged: false,
      current: v3,
      existing: second,
      holes: [hole],
      wire: "wire v3",
    });
    expect(parseEntries(third).map((entry) => entry.split("\n")[0])).toEqual([
      "## codex 1.2.0 (from 1.1.0)",
      "## codex 1.1.0 (from 1.0.0)",
      "## codex 1.0.0",
    ]);
    // Older entries keep the wire section they were written with; only the newest is rewritten.
    expect(parseEntries(third)[1]).toContain("### Schema vs wire\n\nwire v2");

    const again = buildChangelog({
      previous: v3,
      unchanged: true,
      current: v3,
      existing: third,
      holes: [hole],
      wire: "wire v3",
    });
    expect(again).toBe(third);

    const rewired = buildChangelog({
      previous: v3,
      unchanged: true,
      current: v3,
      existing: third,
      holes: [hole],
      wire: "wire v3, re-recorded",
    });
    expect(parseEntries(rewired)[0]).toMatch(/### Schema vs wire\n\nwire v3, re-recorded$/);
    expect(parseEntries(rewired).slice(1)).toEqual(parseEntries(third).slice(1));
  });

  test("a new runtime version with an identical schema still gets its entry", () => {
    const same = snapshot("1.0.1", v1.stable.definitions);
    const first = buildChangelog({
      previous: undefined,
      unchanged: false,
      current: v1,
      existing: undefined,
      holes: [],
      wire: undefined,
    });
    const next = buildChangelog({
      previous: v1,
      unchanged: false,
      current: same,
      existing: first,
      holes: [],
      wire: undefined,
    });
    expect(parseEntries(next)[0]).toBe(
      "## codex 1.0.1 (from 1.0.0)\n\nNo change to the methods or the types.\n\n### Schema holes\n\nNone: every request's result is defined by the schema.",
    );
  });
});
