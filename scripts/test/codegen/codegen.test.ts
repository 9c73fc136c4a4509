// Unit tests of the generator's steps on small hand-written schemas: the method resolution and
// its failure modes, the schema rewrite, and the naming/sorting of the compiled declarations.
import { describe, expect, test } from "vitest";
import { compileDefinitions } from "../../codegen/compile-types.js";
import {
  checkTablesUsed,
  emitMethodsModule,
  methodReport,
  MethodResolutionError,
  resolveMethods,
  schemaHoles,
  type ResolutionTables,
} from "../../codegen/method-maps.js";
import { preprocessDefinitions } from "../../codegen/preprocess.js";
import { flattenBundle, type Definitions } from "../../codegen/schema-model.js";

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const request = (method: string, params?: object) => ({
  properties: { id: ref("RequestId"), method: { enum: [method], type: "string" }, ...(params ? { params } : {}) },
  required: ["id", "method", ...(params ? ["params"] : [])],
  type: "object",
});
const object = { type: "object", properties: {} };

/** A minimal schema surface: two client requests, no server requests or notifications. */
function surface(
  extra: Definitions = {},
  clientRequests = [request("thread/start", ref("ThreadStartParams")), request("account/logout")],
): Definitions {
  return {
    RequestId: { type: "string" },
    ClientRequest: { oneOf: clientRequests },
    ServerRequest: { oneOf: [] },
    ServerNotification: { oneOf: [] },
    ClientNotification: {
      oneOf: [
        { properties: { method: { enum: ["initialized"], type: "string" } }, required: ["method"], type: "object" },
      ],
    },
    ThreadStartParams: object,
    ThreadStartResponse: object,
    LogoutAccountResponse: object,
    ...extra,
  };
}
const tables = (
  clientRequest: Record<string, string> = { "account/logout": "LogoutAccountResponse" },
  nonResults: string[] = [],
): ResolutionTables => ({
  exceptions: { clientRequest, serverRequest: {} },
  nonResults,
});

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof MethodResolutionError) return error.problems;
    throw error;
  }
  throw new Error("expected a MethodResolutionError");
}

describe("resolveMethods", () => {
  test("resolves results by convention and by the exception table", () => {
    const { maps, usedExceptions } = resolveMethods(surface(), tables());
    expect(maps.clientRequest).toMatchObject([
      { method: "account/logout", params: null, result: "LogoutAccountResponse", resultBy: "exception" },
      { method: "thread/start", params: "ThreadStartParams", result: "ThreadStartResponse", resultBy: "convention" },
    ]);
    expect(maps.clientNotification).toMatchObject([{ method: "initialized", params: null }]);
    expect([...usedExceptions]).toEqual(["clientRequest:account/logout"]);
  });

  test("fails on a result no method claims, naming the requests without a result", () => {
    const problems = problemsOf(() => resolveMethods(surface(), tables({})));
    expect(problems).toEqual([expect.stringContaining("orphan LogoutAccountResponse: no method returns it")]);
    expect(problems[0]).toContain("requests without a result type: account/logout");
  });

  test("types a request whose result the schema does not define as unknown, and reports it", () => {
    const withHole = surface({ ModelProviderDefaultSetParams: object }, [
      request("thread/start", ref("ThreadStartParams")),
      request("account/logout"),
      request("modelProvider/default/set", ref("ModelProviderDefaultSetParams")),
    ]);
    const { maps } = resolveMethods(withHole, tables());
    expect(maps.clientRequest[1]).toMatchObject({
      method: "modelProvider/default/set",
      params: "ModelProviderDefaultSetParams",
      result: null,
      resultBy: "missing",
    });
    expect(schemaHoles(maps)).toEqual(["clientRequest:modelProvider/default/set"]);
    expect(methodReport(maps)["clientRequest"]).toMatchObject({
      "modelProvider/default/set": { params: "ModelProviderDefaultSetParams", result: null, resultBy: "missing" },
    });
    const module = emitMethodsModule(maps, "0.0.1");
    expect(module).toContain(
      `"modelProvider/default/set": { params: ModelProviderDefaultSetParams; result: unknown };`,
    );
    expect(module).toContain("The schema defines no result for this method, so its result is typed `unknown`.");
    expect(module).not.toMatch(/\bany\b/);
  });

  test("fails on an exception entry the convention already covers", () => {
    const problems = problemsOf(() =>
      resolveMethods(
        surface(),
        tables({ "account/logout": "LogoutAccountResponse", "thread/start": "ThreadStartResponse" }),
      ),
    );
    expect(problems).toEqual([expect.stringContaining("stale entry thread/start -> ThreadStartResponse")]);
  });

  test("fails on an exception entry naming a missing definition", () => {
    const problems = problemsOf(() => resolveMethods(surface(), tables({ "account/logout": "LogoutResponse" })));
    expect(problems).toContainEqual(expect.stringContaining("LogoutResponse is not a definition"));
  });

  test("fails on an orphan *Response definition, unless listed as not a result", () => {
    const withOrphan = surface({ ThreadForkResponse: object });
    expect(problemsOf(() => resolveMethods(withOrphan, tables()))).toEqual([
      expect.stringContaining("orphan ThreadForkResponse"),
    ]);
    expect(() => resolveMethods(withOrphan, tables(undefined, ["ThreadForkResponse"]))).not.toThrow();
  });

  test("marks nullable params optional and takes params-less methods as undefined", () => {
    const nullable = request("thread/start", { anyOf: [ref("ThreadStartParams"), { type: "null" }] });
    const { maps } = resolveMethods(surface({}, [nullable, request("account/logout", { type: "null" })]), tables());
    expect(maps.clientRequest).toMatchObject([
      { method: "account/logout", params: null },
      { method: "thread/start", params: "ThreadStartParams", paramsOptional: true },
    ]);
  });

  test("fails on a method listed twice", () => {
    const problems = problemsOf(() =>
      resolveMethods(surface({}, [request("account/logout"), request("account/logout")]), tables()),
    );
    expect(problems).toContainEqual(expect.stringContaining('method "account/logout" appears twice'));
  });
});

describe("notification scopes", () => {
  const notification = (method: string, params: string) => ({
    properties: { method: { enum: [method], type: "string" }, params: ref(params) },
    required: ["method", "params"],
    type: "object",
  });
  const withNotifications = surface({
    ServerNotification: {
      oneOf: [
        notification("item/agentMessage/delta", "DeltaNotification"),
        notification("turn/completed", "TurnCompletedNotification"),
        notification("thread/status/changed", "StatusNotification"),
        notification("thread/started", "ThreadStartedNotification"),
        notification("account/updated", "AccountNotification"),
        notification("odd/turn", "OddNotification"),
      ],
    },
    DeltaNotification: {
      type: "object",
      properties: { threadId: { type: "string" }, turnId: { type: "string" }, delta: { type: "string" } },
    },
    TurnCompletedNotification: { type: "object", properties: { threadId: { type: "string" }, turn: ref("Turn") } },
    StatusNotification: { type: "object", properties: { threadId: { type: "string" } } },
    ThreadStartedNotification: { type: "object", properties: { thread: ref("Thread") } },
    AccountNotification: { type: "object", properties: { authMode: { type: "string" } } },
    // A `turn` that is not the Turn definition does not make it a turn notification.
    OddNotification: { type: "object", properties: { turn: { type: "string" } } },
    Turn: object,
    Thread: object,
  });

  test("split the server notifications by what their params name, and emit the two lists", () => {
    const { maps } = resolveMethods(withNotifications, tables());
    expect(Object.fromEntries(maps.serverNotification.map((entry) => [entry.method, entry.scope]))).toEqual({
      "account/updated": "none",
      "item/agentMessage/delta": "turn",
      "odd/turn": "none",
      "thread/started": "thread",
      "thread/status/changed": "thread",
      "turn/completed": "turn",
    });
    expect(maps.clientRequest.every((entry) => entry.scope === null)).toBe(true);
    expect(methodReport(maps)["serverNotification"]).toMatchObject({
      "turn/completed": { params: "TurnCompletedNotification", scope: "turn" },
    });
    const module = emitMethodsModule(maps, "0.0.1");
    expect(module).toContain(
      'export const TURN_NOTIFICATION_METHODS = [\n  "item/agentMessage/delta",\n  "turn/completed",\n] as const satisfies readonly ServerNotificationMethod[];',
    );
    expect(module).toContain(
      'export const THREAD_NOTIFICATION_METHODS = [\n  "thread/started",\n  "thread/status/changed",\n] as const satisfies readonly ServerNotificationMethod[];',
    );
    expect(module).toContain("export type TurnNotificationMethod = (typeof TURN_NOTIFICATION_METHODS)[number];");
  });
});

describe("checkTablesUsed", () => {
  test("fails on an exception entry no surface uses", () => {
    const definitions = surface();
    const table = tables({ "account/logout": "LogoutAccountResponse", "thread/gone": "ThreadGoneResponse" });
    const resolved = {
      maps: resolveMethods(definitions, tables()).maps,
      usedExceptions: new Set(["clientRequest:account/logout"]),
    };
    expect(problemsOf(() => checkTablesUsed([{ definitions, resolved }], table))).toEqual([
      expect.stringContaining('stale entry clientRequest "thread/gone"'),
    ]);
  });

  test("fails on a non-result name that is not a definition", () => {
    const definitions = surface();
    const resolved = resolveMethods(definitions, tables());
    expect(
      problemsOf(() => checkTablesUsed([{ definitions, resolved }], tables(undefined, ["JSONRPCResponse"]))),
    ).toEqual([expect.stringContaining("stale NON_RESULT_RESPONSES entry JSONRPCResponse")]);
  });
});

describe("flattenBundle", () => {
  test("moves definitions.v2 to the top level and rewrites references", () => {
    const bundle = {
      definitions: {
        RequestId: { $schema: "x", title: "RequestId", type: "string" },
        Envelope: { properties: { item: { $ref: "#/definitions/v2/Item" } }, type: "object" },
        v2: { Item: { type: "string" }, RequestId: { title: "Other", type: "string" } },
      },
    };
    const definitions = flattenBundle(JSON.stringify(bundle));
    expect(Object.keys(definitions)).toEqual(["Envelope", "Item", "RequestId"]);
    expect(definitions["Envelope"]).toEqual({ properties: { item: { $ref: "#/definitions/Item" } }, type: "object" });
  });

  test("fails on a name defined twice with different shapes, and on a dangling reference", () => {
    const clash = { definitions: { A: { type: "string" }, v2: { A: { type: "number" } } } };
    expect(() => flattenBundle(JSON.stringify(clash))).toThrow(/A exists both at the top level and in definitions.v2/);
    const dangling = { definitions: { A: { $ref: "#/definitions/v2/B" }, v2: {} } };
    expect(() => flattenBundle(JSON.stringify(dangling))).toThrow(/missing definitions: #\/definitions\/B/);
  });
});

describe("preprocessDefinitions", () => {
  test("copies shared properties into every branch of a union", () => {
    const { definitions, summary } = preprocessDefinitions({
      Item: {
        oneOf: [
          {
            properties: { type: { enum: ["a"], title: "AItemType", type: "string" } },
            required: ["type"],
            title: "AItem",
            type: "object",
          },
          {
            properties: { type: { enum: ["b"], type: "string" }, text: { type: "string" } },
            required: ["text", "type"],
            type: "object",
          },
        ],
        properties: { id: { type: "string" } },
        required: ["id"],
        type: "object",
      },
    });
    expect(definitions["Item"]).toEqual({
      oneOf: [
        {
          properties: { id: { type: "string" }, type: { enum: ["a"], type: "string" } },
          required: ["id", "type"],
          type: "object",
        },
        {
          properties: { id: { type: "string" }, text: { type: "string" }, type: { enum: ["b"], type: "string" } },
          required: ["id", "text", "type"],
          type: "object",
        },
      ],
    });
    expect(summary.distributed).toEqual(["Item"]);
  });

  test("rewrites the string/object catch-all and strips Rust section comments", () => {
    const { definitions, summary } = preprocessDefinitions({
      Code: { anyOf: [{ enum: ["a", "b"], type: "string" }, { type: ["string", "object"] }] },
      Request: {
        oneOf: [
          { description: "NEW APIs Sent when approval is needed.", type: "object" },
          { description: "NEW APIs", type: "object" },
        ],
      },
    });
    expect((definitions["Code"] as { anyOf: unknown[] }).anyOf[1]).toEqual({ tsType: "string & {}" });
    expect(summary.catchAlls).toEqual(["Code/anyOf/1"]);
    expect(definitions["Request"]).toEqual({
      oneOf: [{ description: "Sent when approval is needed.", type: "object" }, { type: "object" }],
    });
  });

  test("turns `default` into a JSDoc tag, so it cannot change the type", () => {
    const { definitions } = preprocessDefinitions({
      Params: {
        properties: {
          kind: { allOf: [ref("Kind")], default: "command", description: "Kind of action." },
          note: { default: null, type: ["string", "null"] },
        },
        type: "object",
      },
    });
    expect(definitions["Params"]).toEqual({
      properties: {
        kind: { allOf: [ref("Kind")], description: 'Kind of action.\n\n@default "command"' },
        note: { type: ["string", "null"] },
      },
      type: "object",
    });
  });

  test("fails on a JSON Schema keyword it does not handle", () => {
    expect(() =>
      preprocessDefinitions({ A: { type: "object", patternProperties: { "^x": { type: "string" } } } }),
    ).toThrow(/A: JSON Schema keyword\(s\) patternProperties/);
  });
});

describe("compileDefinitions", () => {
  test("declares every definition under its exact name, sorted, with inline tags and JSDoc", async () => {
    const { definitions } = preprocessDefinitions({
      W3cTraceContext: { properties: { traceparent: { type: "string" } }, required: ["traceparent"], type: "object" },
      ThreadStartedNotification: {
        description: "A thread started.",
        properties: { threadId: { type: "string" } },
        required: ["threadId"],
        title: "ThreadStartedNotification",
        type: "object",
      },
      ServerNotification: {
        oneOf: [
          {
            properties: {
              method: { enum: ["thread/started"], title: "ThreadStartedNotificationMethod", type: "string" },
              params: ref("ThreadStartedNotification"),
            },
            required: ["method", "params"],
            title: "ThreadStartedNotification",
            type: "object",
          },
        ],
      },
      Count: { format: "int64", type: "integer" },
    });
    const source = await compileDefinitions(definitions);
    const names = [...source.matchAll(/^export (?:type|interface) (\w+)/gm)].map((match) => match[1]);
    expect(names).toEqual(["Count", "ServerNotification", "ThreadStartedNotification", "W3cTraceContext"]);
    expect(source).toContain("export type Count = number;");
    expect(source).toMatch(
      /export type ServerNotification = \{\n\s+method: "thread\/started";\n\s+params: ThreadStartedNotification;\n\};/,
    );
    expect(source).toMatch(
      /\/\*\*\n \* A thread started\.\n \*\/\nexport interface ThreadStartedNotification \{\n\s+threadId: string;\n\}/,
    );
    expect(source).not.toMatch(/referenced by|\[k: string\]/);
  });
});
