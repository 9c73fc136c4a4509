// Property-based fuzz of framing and routing: random messages, random garbage, random chunk
// splits. Whatever arrives, nothing throws out of the SDK, every well-formed message is delivered
// exactly once and in order, and every request settles the way its reply says.
//
// A failure prints the seed; rerun with FC_SEED=<seed> to reproduce it.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JsonRpcError, TransportClosedError } from "../../src/errors.js";
import type { Notification } from "../../src/notification.js";
import { AppServerClient, SAFE_SERVER_REQUEST_REPLIES } from "../../src/rpc/client.js";
import { LineDecoder, type OversizedLine } from "../../src/rpc/framing.js";
import { Codex } from "../../src/index.js";
import { createLineTransport } from "../../src/rpc/line-transport.js";
import { scriptedPair } from "../support/scripted-server.js";
import { flush } from "../support/wait.js";
import { wireThread, wireTurn } from "../support/wire.js";
import { ManualTransport } from "./helpers.js";

const seed =
  process.env["FC_SEED"] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env["FC_SEED"]);

/** fc.assert with a fixed seed and modest run count, naming the seed when it fails. */
async function check(property: fc.IAsyncProperty<any> | fc.IProperty<any>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property as fc.IAsyncProperty<unknown>, { seed, numRuns, endOnFailure: false });
  } catch (error) {
    throw new Error(`Property failed with seed ${seed} (rerun with FC_SEED=${seed}).\n${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Splits `bytes` at the given cut points (taken modulo its length), in order. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  if (bytes.length === 0) return [];
  const points = [...new Set(cuts.map((c) => c % bytes.length))].filter((p) => p > 0).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

const encoder = new TextEncoder();

/** Lines that may hold anything but "\n": any code point, U+2028/U+2029, "\r", a BOM. */
const lineArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.replace(/\n/g, "")),
  fc.constantFrom("", "\r", "\uFEFF", "\uFEFF{}", "a\r", "\u2028", "x\u2029y", '{"delta":"\u2028"}', "🎉", "é\r"),
);

describe("framing fuzz", () => {
  it("delivers exactly the lines that were sent, whatever the chunk boundaries", { timeout: 30_000 }, async () => {
    await check(
      fc.property(
        fc.array(lineArb, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        (lines, cuts, maxBytes, finalNewline) => {
          const text = lines.join("\n") + (finalNewline ? "\n" : "");
          const bytes = encoder.encode(text);
          const got: string[] = [];
          const oversized: OversizedLine[] = [];
          const decoder = new LineDecoder(
            { line: (line) => got.push(line), oversized: (info) => oversized.push(info) },
            maxBytes,
          );
          for (const chunk of cut(bytes, cuts)) decoder.push(chunk);
          decoder.end();
          // The model: split on "\n", drop one trailing "\r" and one leading BOM, skip empties,
          // and drop (and report) lines whose raw bytes exceed maxBytes.
          const expected: string[] = [];
          let expectedOversized = 0;
          const rawLines = text.split("\n");
          if (finalNewline || text === "") rawLines.pop();
          for (const raw of rawLines) {
            const rawBytes = encoder.encode(raw);
            if (rawBytes.length > maxBytes) {
              expectedOversized += 1;
              continue;
            }
            let line = new TextDecoder("utf-8", { ignoreBOM: true }).decode(rawBytes);
            if (line.endsWith("\r")) line = line.slice(0, -1);
            if (line.startsWith("\uFEFF")) line = line.slice(1);
            if (line !== "") expected.push(line);
          }
          expect(got).toEqual(expected);
          expect(oversized.length).toBe(expectedOversized);
        },
      ),
      300,
    );
  });
});

// ---- client routing ------------------------------------------------------------------------

const KNOWN_METHODS = ["item/agentMessage/delta", "turn/completed", "thread/status/changed", "warning", "turn/started"];
const SERVER_REQUEST_METHODS = [
  "item/commandExecution/requestApproval",
  "item/fileChange/requestApproval",
  "item/tool/requestUserInput",
  "no/such/serverRequest",
];

type Event =
  | { kind: "notification"; method: string; params: Record<string, unknown> | undefined }
  | { kind: "response"; request: number; ok: boolean; payload: unknown }
  | { kind: "serverRequest"; id: number; method: string; params: unknown }
  | { kind: "garbage"; bytes: Uint8Array };

const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: "binary" });
const paramsArb = fc.option(fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), jsonValue, { maxKeys: 5 }), {
  nil: undefined,
});

const garbageArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Not JSON at all (but never a newline: each garbage item is one line).
  fc.string({ unit: "binary", maxLength: 30 }).map((s) => encoder.encode(`<${s.replace(/\n/g, "")}`)),
  // JSON, but not a JSON-RPC message.
  fc
    .oneof(fc.array(jsonValue, { maxLength: 3 }), fc.integer(), fc.constant(null), fc.string({ maxLength: 5 }))
    .map((v) => encoder.encode(JSON.stringify(v))),
  fc
    .constantFrom(
      '{"foo":1}',
      '{"id":{},"method":"x"}',
      '{"id":[1],"result":1}',
      '{"method":5}',
      '{"id":999999,"result":{}}',
      '{"id":"abc","error":{"code":1,"message":"x"}}',
      '{"result":1}',
      "{",
      '{"id":1,',
      "null",
    )
    .map((s) => encoder.encode(s)),
  // Invalid UTF-8.
  fc
    .uint8Array({ minLength: 1, maxLength: 8 })
    .map((b) => Uint8Array.from([0xff, 0xfe, ...b.filter((x) => x !== 0x0a)])),
);

function eventsArb(requestCount: number): fc.Arbitrary<Event[]> {
  const notification = fc.record({
    kind: fc.constant("notification" as const),
    method: fc
      .oneof(fc.constantFrom(...KNOWN_METHODS), fc.string({ unit: "binary", minLength: 1, maxLength: 12 }))
      .filter((m) => m !== "serverRequest/resolved"),
    params: paramsArb,
  });
  const serverRequest = fc.record({
    kind: fc.constant("serverRequest" as const),
    id: fc.nat({ max: 10_000 }),
    method: fc.constantFrom(...SERVER_REQUEST_METHODS),
    params: paramsArb,
  });
  const garbage = fc.record({ kind: fc.constant("garbage" as const), bytes: garbageArb });
  const others = fc.array(fc.oneof(notification, serverRequest, garbage), { maxLength: 40 });
  // Each request gets at most one reply; some get none (they must still settle when the client closes).
  const responses = fc
    .array(fc.record({ request: fc.nat({ max: requestCount - 1 }), ok: fc.boolean(), payload: jsonValue }), {
      maxLength: requestCount,
    })
    .map((list) => {
      const seen = new Set<number>();
      return list
        .filter((r) => !seen.has(r.request) && seen.add(r.request))
        .map((r): Event => ({ kind: "response", ...r }));
    });
  // Interleave the replies among the other events at random positions.
  return fc
    .tuple(others, responses, fc.array(fc.nat(), { maxLength: requestCount }))
    .map(([list, replies, positions]) => {
      const events: Event[] = [...list];
      for (const [index, reply] of replies.entries())
        events.splice((positions[index] ?? 0) % (events.length + 1), 0, reply);
      return events;
    });
}

describe("client routing fuzz", () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("routes every well-formed message exactly once, in order, and survives everything else", {
    timeout: 60_000,
  }, async () => {
    const requestCount = 12;
    await check(
      fc.asyncProperty(eventsArb(requestCount), fc.array(fc.nat(), { maxLength: 60 }), async (events, cuts) => {
        const transport = new ManualTransport();
        const logged: string[] = [];
        const logger = (_level: string, message: string): void => {
          logged.push(message);
        };
        const client = new AppServerClient(createLineTransport(transport, { logger }), { logger });
        const seen: Notification[] = [];
        client.onNotification("*", (notification) => seen.push(notification));
        const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown } | undefined)[] = new Array(
          requestCount,
        ).fill(undefined);
        const settled = Array.from({ length: requestCount }, (_, index) =>
          client.requestUnchecked("fuzz/request", { index }).then(
            (value) => (outcomes[index] = { ok: true, value }),
            (error: unknown) => (outcomes[index] = { ok: false, error }),
          ),
        );
        await flush(1);
        const sentIds = transport
          .sentMessages()
          .filter((m) => m.method === "fuzz/request")
          .map((m) => m.id as number);
        expect(sentIds).toHaveLength(requestCount);

        const lines: Uint8Array[] = [];
        const expectedNotifications: { method: string; params: unknown }[] = [];
        const expectedReplies = new Map<number, string>();
        for (const event of events) {
          switch (event.kind) {
            case "notification": {
              const message =
                event.params === undefined ? { method: event.method } : { method: event.method, params: event.params };
              lines.push(encoder.encode(JSON.stringify({ ...message, emittedAtMs: 1 })));
              expectedNotifications.push({ method: event.method, params: event.params });
              break;
            }
            case "response": {
              const id = sentIds[event.request]!;
              const body = event.ok
                ? { id, result: event.payload }
                : { id, error: { code: -32000 - event.request, message: "fuzzed", data: event.payload } };
              lines.push(encoder.encode(JSON.stringify(body)));
              break;
            }
            case "serverRequest":
              lines.push(
                encoder.encode(JSON.stringify({ id: event.id, method: event.method, params: event.params ?? {} })),
              );
              expectedReplies.set(event.id, event.method);
              break;
            case "garbage":
              lines.push(event.bytes);
              break;
          }
        }
        const all = new Uint8Array(lines.reduce((n, l) => n + l.length + 1, 0));
        let offset = 0;
        for (const line of lines) {
          all.set(line, offset);
          all[offset + line.length] = 0x0a;
          offset += line.length + 1;
        }
        for (const chunk of cut(all, cuts)) {
          // The reader must never throw, whatever the bytes: this is the SDK's own stack.
          expect(() => transport.deliver(chunk)).not.toThrow();
        }
        await flush(2);

        // Notifications: exactly the well-formed ones, in order (JSON round trip for -0 and the like).
        expect(seen.map((n) => ({ method: n.method, params: n.params }))).toEqual(
          JSON.parse(JSON.stringify(expectedNotifications)) as unknown[],
        );
        // Replies: each answered request settled as its reply said; the others are still pending.
        const answered = new Map<number, Event & { kind: "response" }>();
        for (const event of events) if (event.kind === "response") answered.set(event.request, event);
        for (let index = 0; index < requestCount; index += 1) {
          const reply = answered.get(index);
          const outcome = outcomes[index];
          if (!reply) {
            expect(outcome).toBeUndefined();
          } else if (reply.ok) {
            expect(outcome).toEqual({ ok: true, value: JSON.parse(JSON.stringify(reply.payload)) as unknown });
          } else {
            expect(outcome?.ok).toBe(false);
            const error = (outcome as { error: unknown }).error;
            expect(JsonRpcError.isInstance(error)).toBe(true);
            expect((error as JsonRpcError).code).toBe(-32000 - index);
          }
        }
        // Server requests: each got exactly one reply under its id — the safe one, since no handler exists.
        const replies = transport.sentMessages().filter((m) => m.method === undefined);
        for (const [id, method] of expectedReplies) {
          const forId = replies.filter((r) => r.id === id);
          expect(forId.length).toBeGreaterThanOrEqual(1);
          const safe = (SAFE_SERVER_REQUEST_REPLIES as Record<string, unknown>)[method];
          const last = forId[forId.length - 1]!;
          if (safe !== undefined) expect(last.result).toEqual(safe);
          else expect(last.error?.code).toBeLessThan(0);
        }

        // Closing settles everything still pending with TransportClosedError.
        await client.close();
        await Promise.all(settled);
        for (let index = 0; index < requestCount; index += 1) {
          if (answered.has(index)) continue;
          const outcome = outcomes[index];
          expect(outcome?.ok).toBe(false);
          expect(TransportClosedError.isInstance((outcome as { error: unknown }).error)).toBe(true);
        }
        expect(unhandled).toEqual([]);
      }),
      150,
    );
  });
});

// ---- turn routing ------------------------------------------------------------------------

const turnPlanArb = fc.record({
  deltas: fc.array(fc.string({ unit: "binary", maxLength: 6 }), { maxLength: 6 }),
  statusChanges: fc.nat({ max: 2 }),
  stragglers: fc.nat({ max: 2 }),
  replyAt: fc.nat({ max: 20 }),
});

describe("turn routing fuzz", () => {
  it("each turn's stream yields exactly its own events, whatever the interleaving and reply timing", {
    timeout: 60_000,
  }, async () => {
    await check(
      fc.asyncProperty(
        fc.array(turnPlanArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.nat({ max: 3 }),
        async (plans, picks, cuts, globalNoise) => {
          const { clientEnd, server } = scriptedPair();
          server.answerInitialize();
          let threadCount = 0;
          server.onMessage((message) => {
            if (message.method === "thread/start" && message.id !== undefined) {
              threadCount += 1;
              void server.reply(message.id, {
                thread: wireThread(`th-${threadCount}`),
                model: "m",
                modelProvider: "fake",
                cwd: "/",
                approvalPolicy: "never",
                sandbox: { type: "readOnly" },
                reasoningEffort: null,
              });
            }
          });
          const codex = await Codex.start({ transport: clientEnd });
          try {
            const threads = [];
            for (let index = 0; index < plans.length; index += 1) threads.push(await codex.threadStart({}));
            const turning = threads.map((thread) => thread.turn("go"));
            const requests = await Promise.all(threads.map((_, index) => server.request("turn/start", index)));

            // Build each turn's sequence: its reply somewhere among its own events.
            const sequences: { line: string; own?: object }[][] = plans.map((plan, index) => {
              const threadId = `th-${index + 1}`;
              const turnId = `turn-${index + 1}`;
              const own: object[] = [{ method: "turn/started", params: { threadId, turn: wireTurn(turnId) } }];
              for (let s = 0; s < plan.statusChanges; s += 1)
                own.push({
                  method: "thread/status/changed",
                  params: { threadId, status: { type: "active", activeFlags: [] } },
                });
              for (const [d, delta] of plan.deltas.entries())
                own.push({ method: "item/agentMessage/delta", params: { threadId, turnId, itemId: `i${d}`, delta } });
              own.push({ method: "turn/completed", params: { threadId, turn: wireTurn(turnId, "completed") } });
              const items: { line: string; own?: object }[] = own.map((message) => ({
                line: JSON.stringify(message),
                own: message,
              }));
              // Stragglers of an older turn on this thread, anywhere.
              for (let s = 0; s < plan.stragglers; s += 1) {
                const straggler = {
                  method: "item/agentMessage/delta",
                  params: { threadId, turnId: `old-${index}`, itemId: "x", delta: "stale" },
                };
                items.splice((plan.replyAt + s) % (items.length + 1), 0, { line: JSON.stringify(straggler) });
              }
              const reply = JSON.stringify({ id: requests[index]!.id, result: { turn: wireTurn(turnId) } });
              items.splice(plan.replyAt % (items.length + 1), 0, { line: reply });
              return items;
            });
            // Interleave the sequences (keeping each one's order), with global noise that belongs to no turn.
            const merged: string[] = [];
            const cursors = sequences.map(() => 0);
            let pick = 0;
            for (;;) {
              const open = sequences.map((s, i) => (cursors[i]! < s.length ? i : -1)).filter((i) => i >= 0);
              if (open.length === 0) break;
              const chosen = open[(picks[pick++] ?? 0) % open.length]!;
              merged.push(sequences[chosen]![cursors[chosen]!]!.line);
              cursors[chosen]! += 1;
              if (pick <= globalNoise)
                merged.push(JSON.stringify({ method: "account/rateLimits/updated", params: { rateLimits: {} } }));
            }
            const bytes = encoder.encode(merged.map((line) => `${line}\n`).join(""));
            for (const chunk of cut(bytes, cuts)) await server.sendRaw(chunk);

            const handles = await Promise.all(turning);
            for (let index = 0; index < plans.length; index += 1) {
              const handle = handles[index]!;
              expect(handle.id).toBe(`turn-${index + 1}`);
              const yielded: object[] = [];
              for await (const n of handle.stream()) yielded.push({ method: n.method, params: n.params });
              const expected = sequences[index]!.filter((item) => item.own !== undefined).map((item) => item.own!);
              expect(yielded).toEqual(JSON.parse(JSON.stringify(expected)) as object[]);
              const result = await handle.run();
              expect(result.text).toBe(plans[index]!.deltas.join(""));
              expect(result.status).toBe("completed");
            }
          } finally {
            await codex.close();
          }
        },
      ),
      100,
    );
  });
});
