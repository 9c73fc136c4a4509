// Plays the server side of one recorded session on the scripted server (line-framed, as on
// stdio): a script that replays a recording. The client end goes to `Codex.start({ transport })`;
// the replay answers what the client sends with the
// lines the real app-server sent at that point of the recording.
//
// How it steps: the recorded messages alternate between runs of `out` (client → server) and
// runs of `in` (server → client). The replay writes every `in` line up to the next `out` run,
// then waits until the client has sent a message matching each `out` of that run (in any order
// within the run), then writes the next `in` run, and so on. No timers: it is driven by what
// the client sends, so it runs as fast as the client does.
//
// Matching: same kind (request / notification / response) and method; params (or a response's
// result) are compared structurally, with two loosenings:
// - a recorded placeholder (`<CWD>`, `<CODEX_HOME>`, ...) matches any string, or exactly the
//   value given for it in `placeholders`;
// - values under id keys (`id`, `threadId`, `turnIds`, ...) need only the same JSON type, unless
//   the client sends an id this replay has handed out, which must then be the recorded one.
// Request ids are remapped: a recorded response to request 3 goes out with the id the client
// actually gave the matching request. Server requests keep their recorded ids.
import type { Transport } from "../../src/rpc.js";
import { type ClientMessage, type ScriptedServer, scriptedPair } from "../support/scripted-server.js";
import { kindOf, type TranscriptMessage, type TranscriptSession, type WireMessage } from "./transcript.js";

/** Options of {@link startReplay}. */
export interface ReplayOptions {
  /**
   * Values that stand for the transcript's placeholders, e.g. `{ "<CWD>": "/srv/project" }`.
   * They are written into the replayed `in` lines and expected in the client's `out` lines.
   * A placeholder without a value is written as is and matches any string.
   */
  placeholders?: Readonly<Record<string, string>>;
}

/** A running replay of one session. */
export interface ReplayServer {
  /** The client's end of the pair: pass it as `Codex.start({ transport })`. */
  readonly transport: Transport;
  /** Every message the client sent, parsed, in order. */
  readonly received: readonly WireMessage[];
  /** What did not match the recording, in words; empty when the client did what was recorded. */
  readonly problems: readonly string[];
  /** Recorded messages not played (`in`) or not yet seen (`out`). Empty once the session is done. */
  remaining(): TranscriptMessage[];
}

const ID_KEY = /^(?:id|.*Id|.*Ids)$/;
const PLACEHOLDERS = /<[A-Z_]+>/g;
const HAS_PLACEHOLDER = /<[A-Z_]+>/;

/** Starts replaying `session`. */
export function startReplay(session: TranscriptSession, options: ReplayOptions = {}): ReplayServer {
  return new Replay(session, options.placeholders ?? {});
}

class Replay implements ReplayServer {
  readonly transport: Transport;
  readonly received: WireMessage[] = [];
  readonly problems: string[] = [];
  readonly #server: ScriptedServer;
  readonly #messages: TranscriptMessage[];
  readonly #placeholders: Readonly<Record<string, string>>;
  /** Recorded client request id → the id the client used for the matching request. */
  readonly #requestIds = new Map<string, number | string>();
  /** Ids that appeared in the `in` lines written so far. */
  readonly #knownIds = new Set<string>();
  /** Indexes of `out` messages of the current run already matched. */
  readonly #matched = new Set<number>();
  #cursor = 0;

  constructor(session: TranscriptSession, placeholders: Readonly<Record<string, string>>) {
    this.#messages = session.messages;
    this.#placeholders = placeholders;
    const { clientEnd, server } = scriptedPair();
    this.transport = clientEnd;
    this.#server = server;
    server.onMessage((message) => this.#receive(message));
    this.#playInbound();
  }

  remaining(): TranscriptMessage[] {
    return this.#messages.slice(this.#cursor).filter((_, offset) => !this.#matched.has(this.#cursor + offset));
  }

  /** Writes every `in` message from the cursor up to the next `out`. */
  #playInbound(): void {
    const lines: string[] = [];
    while (this.#cursor < this.#messages.length && this.#messages[this.#cursor]!.direction === "in") {
      lines.push(this.#inboundLine(this.#messages[this.#cursor]!));
      this.#cursor++;
    }
    if (lines.length === 0) return;
    this.#write(lines);
  }

  #inboundLine(entry: TranscriptMessage): string {
    let line = this.#fillPlaceholders(entry.line, true);
    collectIds(entry.message.params ?? entry.message.result, this.#knownIds);
    if (kindOf(entry.message) === "response" && entry.message.id !== undefined && entry.message.id !== null) {
      const actual = this.#requestIds.get(String(entry.message.id));
      if (actual === undefined) {
        this.problems.push(`the recording answers request ${entry.message.id}, which the client never sent`);
      } else if (actual !== entry.message.id) {
        // JSON.stringify keeps the member order of the parse; only the id changes.
        line = JSON.stringify({ ...(JSON.parse(line) as WireMessage), id: actual });
      }
    }
    return line;
  }

  /** Puts the given values in for placeholders; `json`: the text is JSON, so escape them as inside a JSON string. */
  #fillPlaceholders(text: string, json: boolean): string {
    return text.replace(PLACEHOLDERS, (placeholder) => {
      const value = this.#placeholders[placeholder];
      if (value === undefined) return placeholder;
      return json ? JSON.stringify(value).slice(1, -1) : value;
    });
  }

  #write(lines: string[]): void {
    this.#server.sendRaw(lines.map((line) => `${line}\n`).join("")).catch((error: unknown) => {
      // The client may close while a run is still being written (e.g. right after the last response it needed).
      this.problems.push(`writing to the client failed: ${String(error)}`);
    });
  }

  #receive(received: ClientMessage): void {
    const message = received as WireMessage;
    this.received.push(message);
    const run = this.#outboundRun();
    const differences: string[] = [];
    let matchedIndex: number | undefined;
    for (const index of run) {
      if (this.#matched.has(index)) continue;
      const diff = this.#compare(this.#messages[index]!.message, message);
      if (diff.length === 0) {
        matchedIndex = index;
        break;
      }
      differences.push(`  vs recorded #${index}: ${diff.join("; ")}`);
    }
    if (matchedIndex === undefined) {
      const expected =
        run.length === 0
          ? "nothing (the recording is over or the server speaks next)"
          : `one of ${run.length} recorded message(s)`;
      this.problems.push(`unexpected ${describe(message)}; expected ${expected}\n${differences.join("\n")}`);
      // Answer an unexpected request, so that the client does not wait forever for a reply.
      if (kindOf(message) === "request") {
        this.#write([
          JSON.stringify({
            id: message.id,
            error: { code: -32603, message: `replay: ${describe(message)} is not in the transcript` },
          }),
        ]);
      }
      return;
    }
    const recorded = this.#messages[matchedIndex]!.message;
    if (kindOf(recorded) === "request") this.#requestIds.set(String(recorded.id), message.id!);
    this.#matched.add(matchedIndex);
    if (run.every((index) => this.#matched.has(index))) {
      this.#cursor = run.at(-1)! + 1;
      this.#matched.clear();
      this.#playInbound();
    }
  }

  /** Indexes of the `out` messages from the cursor up to the next `in`. */
  #outboundRun(): number[] {
    const run: number[] = [];
    for (let index = this.#cursor; index < this.#messages.length && this.#messages[index]!.direction === "out"; index++)
      run.push(index);
    return run;
  }

  #compare(recorded: WireMessage, actual: WireMessage): string[] {
    const kind = kindOf(recorded);
    if (kindOf(actual) !== kind) return [`a ${kindOf(actual)}, not a ${kind}`];
    if (kind === "response") {
      // Server requests keep their recorded ids, so the client's reply must carry the same one.
      if (actual.id !== recorded.id) return [`reply to ${String(actual.id)}, not to ${String(recorded.id)}`];
      return this.#difference(
        "error" in recorded ? recorded.error : recorded.result,
        "error" in actual ? actual.error : actual.result,
        "result",
      );
    }
    if (actual.method !== recorded.method) return [`method ${actual.method}, not ${recorded.method}`];
    return this.#difference(recorded.params, actual.params, "params");
  }

  /** Where `actual` differs from `recorded` (loosely, see the file header); empty when it matches. */
  #difference(recorded: unknown, actual: unknown, path: string, key = ""): string[] {
    if (typeof recorded === "string" && HAS_PLACEHOLDER.test(recorded)) {
      // Placeholders with a value must match it exactly; the others match any text.
      const expected = this.#fillPlaceholders(recorded, false);
      const pattern = new RegExp(`^${expected.split(PLACEHOLDERS).map(escapeRegExp).join(".*")}$`, "s");
      if (typeof actual === "string" && pattern.test(actual)) return [];
      return [`${path}: ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`];
    }
    if (ID_KEY.test(key) && (typeof recorded === "string" || typeof recorded === "number")) {
      if (typeof actual !== typeof recorded)
        return [`${path}: id ${JSON.stringify(actual)} is not a ${typeof recorded}`];
      if (actual !== recorded && this.#knownIds.has(String(actual))) {
        return [
          `${path}: ${JSON.stringify(actual)} is the id of something else in this session (recorded ${JSON.stringify(recorded)})`,
        ];
      }
      return [];
    }
    if (Array.isArray(recorded)) {
      if (!Array.isArray(actual)) return [`${path}: ${JSON.stringify(actual)}, not an array`];
      if (actual.length !== recorded.length) return [`${path}: ${actual.length} elements, not ${recorded.length}`];
      // Elements of an id list (`turnIds`) are ids too.
      return recorded.flatMap((element, index) =>
        this.#difference(element, actual[index], `${path}[${index}]`, ID_KEY.test(key) ? "id" : ""),
      );
    }
    if (typeof recorded === "object" && recorded !== null) {
      if (typeof actual !== "object" || actual === null || Array.isArray(actual))
        return [`${path}: ${JSON.stringify(actual)}, not an object`];
      const keys = new Set([...Object.keys(recorded), ...Object.keys(actual)]);
      return [...keys].flatMap((name) => {
        const inRecorded = Object.hasOwn(recorded, name);
        const inActual = Object.hasOwn(actual, name);
        if (!inActual) return [`${path}.${name} is missing`];
        if (!inRecorded) return [`${path}.${name} is not in the recording`];
        return this.#difference(
          (recorded as Record<string, unknown>)[name],
          (actual as Record<string, unknown>)[name],
          `${path}.${name}`,
          name,
        );
      });
    }
    return Object.is(recorded, actual) ? [] : [`${path}: ${JSON.stringify(actual)}, not ${JSON.stringify(recorded)}`];
  }
}

/** Adds every id-like string or number value found in `value` to `ids`. */
function collectIds(value: unknown, ids: Set<string>, key = ""): void {
  if (Array.isArray(value)) {
    for (const element of value) collectIds(element, ids, ID_KEY.test(key) ? "id" : "");
  } else if (typeof value === "object" && value !== null) {
    for (const [name, inner] of Object.entries(value)) collectIds(inner, ids, name);
  } else if (ID_KEY.test(key) && (typeof value === "string" || typeof value === "number")) {
    ids.add(String(value));
  }
}

function describe(message: WireMessage): string {
  const kind = kindOf(message);
  if (kind === "response") return `reply to server request ${String(message.id)}`;
  return `${kind} ${message.method}${kind === "request" ? ` (id ${String(message.id)})` : ""}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
