// A bounded soak against the real app-server: 200 turns on 8 threads at once, each with a
// seeded random fate (run to the end, aborted, steered, interrupted, unsubscribed mid-turn, or
// started twice at once on its thread). Every run() must settle with an outcome the contract
// allows, and afterwards nothing may be left: no pending request, no live turn record, no
// listener, no child process.
import { getEventListeners } from "node:events";
import { reply, type RecordedRequest } from "@codex/sdk-testing";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  InterruptFailedError,
  InvalidRequestError,
  TurnLostError,
  type Codex,
  type Thread,
  type TurnHandle,
} from "../../src/index.js";
import { childPids } from "../support/processes.js";
import { startRealServer } from "../support/real-server.js";

const TURNS = 200;
const THREADS = 8;
const SEED = 0x5eed_13;
/** No single run() may take longer than this to settle: a hang fails the soak instead of stalling it. */
const SETTLE_MS = 20_000;

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fate = "run" | "abort" | "steer" | "interrupt" | "unsubscribe" | "twice";
const FATES: [Fate, number][] = [
  ["run", 0.3],
  ["abort", 0.2],
  ["steer", 0.15],
  ["interrupt", 0.15],
  ["unsubscribe", 0.1],
  ["twice", 0.1],
];

function pickFate(random: () => number): Fate {
  let roll = random();
  for (const [fate, weight] of FATES) {
    roll -= weight;
    if (roll < 0) return fate;
  }
  return "run";
}

/** The fake model: "slow" prompts stream 30 short deltas 5 ms apart; anything else one short line. */
function byPrompt(request: RecordedRequest) {
  if ((request.prompt ?? "").startsWith("slow")) {
    const chunks = Array.from({ length: 30 }, (_, index) => `w${index} `);
    return reply.text(chunks.join(""), { chunks, delayMs: 5 });
  }
  return reply.text("ok");
}

function settleWithin<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${SETTLE_MS} ms`)), SETTLE_MS);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/** What a turn's run() may end with; anything else fails the soak. */
function outcomeOf(value: unknown): string {
  if (typeof value === "object" && value !== null && "status" in value)
    return `result:${String((value as { status: unknown }).status)}`;
  if (AbortError.isInstance(value)) return "AbortError";
  if (InterruptFailedError.isInstance(value)) return "InterruptFailedError";
  if (TurnLostError.isInstance(value)) return "TurnLostError";
  throw value;
}

async function settle(turn: TurnHandle, what: string): Promise<string> {
  return outcomeOf(
    await settleWithin(
      turn.run().catch((error: unknown) => error),
      what,
    ),
  );
}

/** Waits for the turn's first delta (or its end), so a control lands mid-stream. */
async function firstDelta(turn: TurnHandle): Promise<void> {
  for await (const event of turn.stream()) if (event.method === "item/agentMessage/delta") return;
}

async function oneTurn(
  codex: Codex,
  thread: Thread,
  fate: Fate,
  random: () => number,
  index: number,
  signals: AbortSignal[],
): Promise<{ outcomes: string[]; thread: Thread }> {
  const slow = fate !== "run" || random() < 0.5;
  const prompt = `${slow ? "slow" : "quick"} turn ${index}`;
  const controller = new AbortController();
  signals.push(controller.signal);
  const what = `turn ${index} (${fate})`;
  if (fate === "twice") {
    const [first, second] = await Promise.all([
      thread.turn(prompt, { signal: controller.signal }),
      thread.turn(`quick second ${index}`),
    ]);
    expect(first.id).not.toBe(second.id);
    return { outcomes: [await settle(first, what), await settle(second, `${what}, second`)], thread };
  }
  if (fate === "abort" && random() < 0.3) {
    // Aborted before turn/start is even answered.
    const pending = thread.turn(prompt, { signal: controller.signal });
    controller.abort();
    const value = await settleWithin(
      pending.then((turn) => turn.run()).catch((error: unknown) => error),
      what,
    );
    return { outcomes: [outcomeOf(value)], thread };
  }
  const turn = await thread.turn(prompt, { signal: controller.signal, record: random() < 0.5 ? false : undefined });
  const outcome = settle(turn, what);
  switch (fate) {
    case "abort":
      if (random() < 0.5) await firstDelta(turn).catch(() => {});
      controller.abort();
      break;
    case "steer":
      await firstDelta(turn).catch(() => {});
      // The turn may have ended meanwhile: the server then refuses the steer, which is fine.
      await turn.steer("and one more thing").catch((error: unknown) => {
        if (!InvalidRequestError.isInstance(error)) throw error;
      });
      break;
    case "interrupt":
      await firstDelta(turn).catch(() => {});
      await turn.interrupt().catch((error: unknown) => {
        if (!InvalidRequestError.isInstance(error)) throw error;
      });
      break;
    case "unsubscribe": {
      await firstDelta(turn).catch(() => {});
      await thread.unsubscribe();
      const lost = await outcome;
      // Subscribe again for the thread's next turns (its unseen turn may still be finishing).
      await turn.interrupt().catch(() => {});
      const resumed = await codex.threadResume(thread.id);
      return { outcomes: [lost], thread: resumed };
    }
    default:
      break;
  }
  return { outcomes: [await outcome], thread };
}

describe("turn soak", () => {
  it(`${TURNS} turns with seeded random aborts, steers, interrupts and unsubscribes leave nothing behind`, {
    timeout: 180_000,
  }, async () => {
    const random = seededRandom(SEED);
    const signals: AbortSignal[] = [];
    const tally = new Map<string, number>();
    let settled = 0;
    {
      await using server = await startRealServer({
        environment: { streamIdleTimeoutMs: 20_000, fakeModel: { defaultReply: byPrompt } },
        codex: { config: { features: { shell_snapshot: false } } },
      });
      const { codex } = server;
      const threads = await Promise.all(Array.from({ length: THREADS }, () => codex.threadStart()));
      // The fates are drawn up front, so the seed alone decides them whatever the interleaving.
      const plan = Array.from({ length: TURNS }, (_, index) => ({ index, fate: pickFate(random) }));
      await Promise.all(
        threads.map(async (first, lane) => {
          let thread = first;
          const draws = seededRandom(SEED + lane + 1);
          for (const { index, fate } of plan.filter((entry) => entry.index % THREADS === lane)) {
            const { outcomes, thread: next } = await oneTurn(codex, thread, fate, draws, index, signals);
            thread = next;
            for (const outcome of outcomes) {
              settled++;
              const key = `${fate} → ${outcome}`;
              tally.set(key, (tally.get(key) ?? 0) + 1);
            }
          }
        }),
      );
      // Nothing is left in flight or routed, and every turn's abort listener is gone.
      expect(codex.load).toMatchObject({
        pending: 0,
        queued: 0,
        inFlight: 0,
        serverRequests: 0,
        iterators: 0,
        turns: { turns: 0, reservations: 0, lanes: 0 },
      });
      // The router's own subscription is the only notification handler.
      expect(codex.load.notificationHandlers).toBe(1);
      for (const signal of signals) expect(getEventListeners(signal, "abort")).toHaveLength(0);
    }
    expect(childPids()).toEqual([]);
    const turnsStarted = [...tally.entries()].reduce(
      (sum, [key, count]) => sum + count / (key.startsWith("twice") ? 2 : 1),
      0,
    );
    expect(turnsStarted).toBe(TURNS);
    expect(settled).toBeGreaterThanOrEqual(TURNS);
    // Every kind of fate was exercised, and the outcomes are the ones the contract allows.
    const fates = new Set([...tally.keys()].map((key) => key.split(" → ")[0]));
    expect([...fates].sort()).toEqual(FATES.map(([fate]) => fate).sort());
    expect(tally.get("unsubscribe → TurnLostError") ?? 0).toBeGreaterThan(0);
    console.log(
      `turn soak (seed ${SEED}): ${[...tally.entries()]
        .sort()
        .map(([key, count]) => `${key}: ${count}`)
        .join(", ")}`,
    );
  });
});
