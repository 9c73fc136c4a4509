// Schema vs wire on a small synthetic schema and transcript: quicktype-core infers the recorded
// messages' shapes, and every field or method the schema does not declare is listed, however
// deep, while fields some other variant of a union declares, map keys and free-form JSON are not.
import { describe, expect, test } from "vitest";
import { resolveMethods } from "../../codegen/method-maps.js";
import type { Definitions } from "../../codegen/schema-model.js";
import { wireFidelitySection, type TranscriptFile } from "../../codegen/wire-fidelity.js";

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const branch = (method: string, params: string | null, withId: boolean) => ({
  properties: {
    ...(withId ? { id: ref("RequestId") } : {}),
    method: { enum: [method], type: "string" },
    ...(params ? { params: ref(params) } : {}),
  },
  required: [...(withId ? ["id"] : []), "method", ...(params ? ["params"] : [])],
  type: "object",
});

const definitions: Definitions = {
  RequestId: { anyOf: [{ type: "string" }, { type: "integer" }] },
  JSONRPCRequest: {
    properties: { id: ref("RequestId"), method: { type: "string" }, params: true },
    required: ["id", "method"],
    type: "object",
  },
  JSONRPCNotification: {
    properties: { method: { type: "string" }, params: true },
    required: ["method"],
    type: "object",
  },
  JSONRPCResponse: { properties: { id: ref("RequestId"), result: true }, required: ["id", "result"], type: "object" },
  JSONRPCError: {
    properties: { error: { type: "object" }, id: ref("RequestId") },
    required: ["error", "id"],
    type: "object",
  },
  ClientRequest: {
    oneOf: [branch("thread/start", "ThreadStartParams", true), branch("model/set", "ModelSetParams", true)],
  },
  ServerRequest: { oneOf: [] },
  ServerNotification: { oneOf: [branch("thread/started", "ThreadStartedNotification", false)] },
  ClientNotification: { oneOf: [branch("initialized", null, false)] },
  ThreadStartParams: { properties: { cwd: { type: ["string", "null"] } }, type: "object" },
  ThreadStartResponse: { properties: { thread: ref("Thread") }, required: ["thread"], type: "object" },
  ModelSetParams: { properties: { model: { type: "string" } }, required: ["model"], type: "object" },
  ThreadStartedNotification: { properties: { thread: ref("Thread") }, required: ["thread"], type: "object" },
  Thread: {
    properties: {
      id: { type: "string" },
      items: { items: ref("ThreadItem"), type: "array" },
      env: { additionalProperties: { type: "string" }, type: "object" },
      metadata: { anyOf: [{ type: "object" }, { type: "null" }] },
    },
    required: ["id", "items"],
    type: "object",
  },
  ThreadItem: {
    oneOf: [
      {
        properties: { type: { enum: ["agentMessage"], type: "string" }, text: { type: "string" } },
        required: ["type", "text"],
        type: "object",
      },
      {
        properties: {
          type: { enum: ["reasoning"], type: "string" },
          summary: { items: { type: "string" }, type: "array" },
        },
        required: ["type"],
        type: "object",
      },
    ],
  },
};

const line = (direction: "in" | "out", message: object) => JSON.stringify({ direction, line: JSON.stringify(message) });
const thread = (extra: object = {}) => ({
  id: "t1",
  items: [
    { type: "agentMessage", text: "hi", phase: "final" },
    { type: "reasoning", summary: ["a"] },
  ],
  env: { PATH: "/bin", HOME: "/home" },
  metadata: { anything: { goes: true } },
  ...extra,
});

const transcript: TranscriptFile = {
  name: "session.jsonl",
  text: [
    JSON.stringify({ direction: "meta", session: 0, scenario: "s", codexVersion: "1.0.0", description: "d" }),
    line("out", { id: 1, method: "thread/start", params: { cwd: "/w" } }),
    line("in", { method: "thread/started", params: { thread: thread() }, emittedAtMs: 1 }),
    line("in", { id: 1, result: { thread: thread({ forkedFrom: null }) } }),
    line("out", { id: 2, method: "model/set", params: { model: "m" } }),
    line("in", { id: 2, result: { ok: true } }),
    line("in", { method: "thread/mystery", params: {}, emittedAtMs: 2 }),
    "",
  ].join("\n"),
};

describe("wireFidelitySection", () => {
  test("lists undeclared envelope fields, nested fields, methods and results", async () => {
    const { maps } = resolveMethods(definitions, {
      exceptions: { clientRequest: {}, serverRequest: {} },
      nonResults: ["JSONRPCResponse"],
    });
    const section = await wireFidelitySection([transcript], definitions, maps);
    expect(section.split("\n")).toEqual([
      "Inferred with quicktype-core from 6 messages in 1 transcript files (`packages/sdk-core/test/transcripts/fixtures/`), compared with the experimental schema.",
      "",
      "Methods the schema does not declare:",
      "",
      "- server notification `thread/mystery`",
      "",
      "Fields on the wire the schema does not declare:",
      "",
      "- client request `model/set` result: the schema declares none, the server sends one",
      "- client request `thread/start` result: `result.thread.forkedFrom` (null)",
      "- client request `thread/start` result: `result.thread.items[].phase` (string)",
      "- every server notification: `emittedAtMs` (integer)",
      "- server notification `thread/started` params: `params.thread.items[].phase` (string)",
    ]);
  });

  test("says so when the wire matches the schema, and when there is nothing recorded", async () => {
    const { maps } = resolveMethods(definitions, {
      exceptions: { clientRequest: {}, serverRequest: {} },
      nonResults: ["JSONRPCResponse"],
    });
    const clean: TranscriptFile = {
      name: "clean.jsonl",
      text: `${line("out", { id: 1, method: "thread/start", params: { cwd: null } })}\n${line("in", { id: 1, result: { thread: { id: "t", items: [] } } })}\n`,
    };
    expect(await wireFidelitySection([clean], definitions, maps)).toMatch(
      /Every field and method seen on the wire is declared\.$/,
    );
    expect(await wireFidelitySection([], definitions, maps)).toMatch(/^No recorded traffic/);
  });
});
