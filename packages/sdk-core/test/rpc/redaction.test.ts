// Secrets stay out of the protocol trace on every path. The schema decides what is tested: every
// request, server request, notification and reply whose type can carry a credential (a field
// whose name says so, at any depth, in any variant) is built with a unique secret in each such
// field and sent through a traced client; the trace must hold none of them. Beside that: secrets
// by config key path (config/value/write, config/batchWrite) and by value shape under any name.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSecretKey, isSecretKeyPath, redactedJson, redactSecretValues } from "../../src/rpc/logger.js";
import { connectClient } from "../support/scripted-server.js";
import { flush } from "../support/wait.js";

type Schema = Record<string, any>;
const root = JSON.parse(
  readFileSync(
    path.join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "..",
      "schema",
      "experimental",
      "codex_app_server_protocol.schemas.json",
    ),
    "utf8",
  ),
) as Schema;

function resolve(ref: string): Schema {
  let node: any = root;
  for (const part of ref.replace(/^#\//, "").split("/")) node = node?.[part];
  if (node === undefined) throw new Error(`unresolved ${ref}`);
  return node as Schema;
}

let secretCounter = 0;
const secrets = new Set<string>();
function newSecret(): string {
  const secret = `S3CRET${++secretCounter}X`;
  secrets.add(secret);
  return secret;
}

function countSecrets(value: unknown): number {
  const text = JSON.stringify(value) ?? "";
  return (text.match(/S3CRET\d+X/g) ?? []).length;
}

/** A value of `schema` with a fresh secret in every string field whose name says secret. */
function sample(schema: Schema | boolean | undefined, name: string, depth: number, seen: readonly string[]): unknown {
  if (schema === undefined || schema === true || schema === false) return isSecretKey(name) ? newSecret() : "plain";
  if (depth > 12) return null;
  if (typeof schema["$ref"] === "string") {
    if (seen.includes(schema["$ref"])) return null;
    return sample(resolve(schema["$ref"]), name, depth + 1, [...seen, schema["$ref"]]);
  }
  const variants: Schema[] | undefined = schema["oneOf"] ?? schema["anyOf"];
  if (variants !== undefined) {
    // The variant carrying the most secrets.
    let best: unknown = null;
    let bestCount = -1;
    for (const variant of variants) {
      const value = sample(variant, name, depth + 1, seen);
      const count = countSecrets(value);
      if (count > bestCount) {
        best = value;
        bestCount = count;
      }
    }
    return best;
  }
  if (Array.isArray(schema["allOf"]))
    return Object.assign({}, ...schema["allOf"].map((part: Schema) => sample(part, name, depth + 1, seen)));
  if (Array.isArray(schema["enum"])) return schema["enum"][0];
  const type = Array.isArray(schema["type"]) ? schema["type"].find((t: string) => t !== "null") : schema["type"];
  switch (type) {
    case "string":
      return isSecretKey(name) ? newSecret() : "plain";
    case "integer":
    case "number":
      return 1;
    case "boolean":
      return true;
    case "array":
      return [sample(schema["items"], name, depth + 1, seen)];
    case "object":
    case undefined: {
      const result: Record<string, unknown> = {};
      for (const [key, property] of Object.entries((schema["properties"] ?? {}) as Record<string, Schema>))
        result[key] = sample(property, key, depth + 1, seen);
      // A config edit (config/value/write, config/batchWrite): a secret by its key path, in a field named plainly.
      if ("keyPath" in result && "value" in result) {
        result["keyPath"] = "mcp_servers.github.env.GITHUB_TOKEN";
        result["value"] = newSecret();
      }
      // Maps (env, headers): a secret-named entry.
      if (schema["additionalProperties"] !== undefined && schema["additionalProperties"] !== false)
        result["API_TOKEN"] = sample(schema["additionalProperties"], "API_TOKEN", depth + 1, seen);
      return result;
    }
    default:
      return null;
  }
}

interface Case {
  kind: "request" | "response" | "server request" | "server reply" | "notification";
  method: string;
  value: unknown;
}

/** Every message type of the schema that can carry a credential, one case per top-level variant. */
function credentialCases(): Case[] {
  const definitions = root["definitions"] as Schema;
  const cases: Case[] = [];
  const add = (kind: Case["kind"], method: string, schema: Schema | undefined, refBase: string | undefined) => {
    if (schema === undefined) return;
    const ref = refBase === undefined ? undefined : refBase;
    const target = ref === undefined ? schema : resolve(ref);
    const variants: Schema[] = target["oneOf"] ?? target["anyOf"] ?? [target];
    for (const variant of variants) {
      const value = sample(variant, "", 0, ref === undefined ? [] : [ref]);
      if (countSecrets(value) > 0) cases.push({ kind, method, value });
    }
  };
  const responseRef = (paramsRef: string | undefined): string | undefined => {
    if (paramsRef === undefined || !paramsRef.endsWith("Params")) return undefined;
    const candidate = `${paramsRef.slice(0, -"Params".length)}Response`;
    try {
      resolve(candidate);
      return candidate;
    } catch {
      return undefined;
    }
  };
  for (const [union, kind, replyKind] of [
    ["ClientRequest", "request", "response"],
    ["ServerRequest", "server request", "server reply"],
    ["ServerNotification", "notification", undefined],
  ] as const) {
    for (const entry of definitions[union].oneOf as Schema[]) {
      const method = entry["properties"].method.enum[0] as string;
      const paramsRef = entry["properties"].params?.$ref as string | undefined;
      if (paramsRef !== undefined) add(kind, method, {}, paramsRef);
      const reply = responseRef(paramsRef);
      if (replyKind !== undefined && reply !== undefined) add(replyKind, method, {}, reply);
    }
  }
  return cases;
}

describe("redaction in the protocol trace", () => {
  const cases = credentialCases();

  it("finds the credential-bearing messages of the schema (the walk reaches them)", () => {
    const names = new Set(cases.map((entry) => `${entry.kind} ${entry.method}`));
    for (const expected of [
      "request account/login/start",
      "request command/exec",
      "request config/value/write",
      "request config/batchWrite",
      "server reply account/chatgptAuthTokens/refresh",
    ]) {
      expect(names).toContain(expected);
    }
    expect(cases.length).toBeGreaterThan(5);
  });

  it("traces every one of them without any of its secrets", async () => {
    const lines: string[] = [];
    const { client, server } = connectClient({
      trace: true,
      maxInFlight: 10_000,
      logger: (level, message) => void (level === "debug" && lines.push(message)),
    });
    const replies = new Map<string, unknown>();
    for (const entry of cases) if (entry.kind === "server reply") replies.set(entry.method, entry.value);
    for (const method of replies.keys()) client.onServerRequest(method as never, (() => replies.get(method)) as never);
    let serverRequestId = 1000;
    for (const entry of cases) {
      switch (entry.kind) {
        case "request":
          void client.requestUnchecked(entry.method, entry.value).catch(() => {});
          break;
        case "response": {
          const marker = `response-${serverRequestId++}`;
          const pending = client.requestUnchecked(entry.method, { marker }).catch(() => {});
          let sent = server.received.find(
            (message) => (message.params as { marker?: string } | undefined)?.marker === marker,
          );
          while (sent === undefined) {
            await server.waitForMessages(server.received.length + 1);
            sent = server.received.find(
              (message) => (message.params as { marker?: string } | undefined)?.marker === marker,
            );
          }
          await server.reply(sent.id, entry.value);
          await pending;
          break;
        }
        case "server request":
          await server.send({ id: serverRequestId++, method: entry.method, params: entry.value });
          break;
        case "notification":
          await server.notify(entry.method, entry.value);
          break;
        case "server reply":
          await server.send({ id: serverRequestId++, method: entry.method, params: {} });
          break;
      }
    }
    await flush(10);
    const trace = lines.join("\n");
    expect(lines.length).toBeGreaterThan(cases.length);
    const leaked = [...secrets].filter((secret) => trace.includes(secret));
    expect(leaked).toEqual([]);
    await client.close();
  });

  it("redacts a config value by its key path (config/value/write, config/batchWrite), not by its field name", async () => {
    const lines: string[] = [];
    const { client, server } = connectClient({
      trace: true,
      logger: (level, message) => void (level === "debug" && lines.push(message)),
    });
    void client
      .request("config/value/write", {
        keyPath: "mcp_servers.github.env.GITHUB_TOKEN",
        value: "opaque-value-1",
        mergeStrategy: "replace",
      })
      .catch(() => {});
    void client
      .request("config/batchWrite", {
        edits: [
          {
            keyPath: "model_providers.corp.http_headers.Authorization",
            value: "opaque-value-2",
            mergeStrategy: "replace",
          },
          { keyPath: "mcp_servers.github.env", value: { GITHUB_TOKEN: "opaque-value-3" }, mergeStrategy: "upsert" },
          { keyPath: "model", value: "gpt-5.5", mergeStrategy: "replace" },
        ],
      })
      .catch(() => {});
    await server.message(1);
    const trace = lines.join("\n");
    for (const secret of ["opaque-value-1", "opaque-value-2", "opaque-value-3"]) expect(trace).not.toContain(secret);
    expect(trace).toContain("gpt-5.5");
    expect(trace).toContain("mcp_servers.github.env.GITHUB_TOKEN");
    await client.close();
  });

  it("redacts credential-shaped values under any name, and inside longer strings", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    const value = {
      command: ["curl", "-H", "Authorization: Bearer abc.def-123", "https://example.com"],
      note: `key sk-proj-ABCDEFGHIJKL1234 and ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 and ${jwt}`,
      pat: "github_pat_11ABCDEFG0123456789_abcdefghij",
      harmless: "sk-8 skipping ghp_short",
    };
    const text = redactedJson(value);
    for (const secret of [
      "abc.def-123",
      "sk-proj-ABCDEFGHIJKL1234",
      "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
      jwt,
      "github_pat_11ABCDEFG0123456789_abcdefghij",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("Bearer [redacted]");
    expect(text).toContain("https://example.com");
    expect(text).toContain("sk-8 skipping ghp_short");
    expect(redactSecretValues("no secrets here")).toBe("no secrets here");
  });

  it("isSecretKeyPath looks at the last segment", () => {
    expect(isSecretKeyPath("mcp_servers.x.env.GITHUB_TOKEN")).toBe(true);
    expect(isSecretKeyPath("model_providers.corp.http_headers.Authorization")).toBe(true);
    expect(isSecretKeyPath("mcp_servers.x.bearer_token_env_var")).toBe(false);
    expect(isSecretKeyPath("model")).toBe(false);
  });
});
