// The JSONL transcript format: what one real client/app-server session said, line by line, so
// that a replay server can play the server's side of it again without a process.
//
// A file holds one or more sessions (one app-server process each). Every session opens with a
// `meta` line; every message is one line with its direction and the raw JSON line as the wire
// carried it (after placeholder substitution of machine paths):
//
//   {"direction":"meta","session":0,"scenario":"text-turn","codexVersion":"0.169.0","description":"..."}
//   {"direction":"out","line":"{\"id\":1,\"method\":\"initialize\",\"params\":{...}}"}
//   {"direction":"in","line":"{\"id\":1,\"result\":{...}}"}
//
// `out` is client → server, `in` is server → client.
import { readFileSync } from "node:fs";

/** The header of one session: which process of the scenario it was. */
export interface SessionMeta {
  direction: "meta";
  /** 0 for the first process, 1 for the next (a resume in a fresh process), ... */
  session: number;
  /** The scenario's name (the file name without `.jsonl`). */
  scenario: string;
  /** The codex version the server reported (from `initialize`'s `userAgent`). */
  codexVersion: string;
  /** What the session did, in words. */
  description: string;
}

/** One recorded message. `line` is the raw JSON text; `message` its parse. */
export interface TranscriptMessage {
  direction: "in" | "out";
  line: string;
  message: WireMessage;
}

/** A JSON-RPC message as it appears on the wire (no `jsonrpc` member in this protocol). */
export interface WireMessage {
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** One app-server process of a transcript. */
export interface TranscriptSession {
  meta: SessionMeta;
  messages: TranscriptMessage[];
}

/** A parsed transcript file. */
export interface Transcript {
  name: string;
  sessions: TranscriptSession[];
}

/** What kind of JSON-RPC message a wire message is. */
export type MessageKind = "request" | "notification" | "response";

/** Tells a request (method + id), a notification (method, no id) and a response (id, no method) apart. */
export function kindOf(message: WireMessage): MessageKind {
  if (typeof message.method === "string")
    return message.id === undefined || message.id === null ? "notification" : "request";
  return "response";
}

/** Parses transcript text; throws with the line number on anything malformed. */
export function parseTranscript(name: string, text: string): Transcript {
  const sessions: TranscriptSession[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === "") continue;
    const where = `${name}:${index + 1}`;
    let entry: unknown;
    try {
      entry = JSON.parse(raw);
    } catch {
      throw new Error(`${where}: not JSON`);
    }
    const direction = (entry as { direction?: unknown }).direction;
    if (direction === "meta") {
      sessions.push({ meta: entry as SessionMeta, messages: [] });
      continue;
    }
    if (direction !== "in" && direction !== "out") throw new Error(`${where}: direction must be "in", "out" or "meta"`);
    const line = (entry as { line?: unknown }).line;
    if (typeof line !== "string") throw new Error(`${where}: "line" must be the raw JSON line as a string`);
    const session = sessions.at(-1);
    if (session === undefined) throw new Error(`${where}: a message before the first "meta" line`);
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new Error(`${where}: "line" is not JSON`);
    }
    if (typeof message !== "object" || message === null || Array.isArray(message))
      throw new Error(`${where}: "line" is not a JSON object`);
    session.messages.push({ direction, line, message: message as WireMessage });
  }
  if (sessions.length === 0) throw new Error(`${name}: no sessions`);
  return { name, sessions };
}

/** Reads and parses a transcript file. */
export function loadTranscript(file: string | URL): Transcript {
  const name = String(file)
    .split("/")
    .at(-1)!
    .replace(/\.jsonl$/, "");
  return parseTranscript(name, readFileSync(file, "utf8"));
}

/** The URL of a committed fixture, by scenario name. */
export function fixtureUrl(scenario: string): URL {
  return new URL(`./fixtures/${scenario}.jsonl`, import.meta.url);
}

/** Every committed scenario, in the order the recorder writes them. */
export const SCENARIOS = ["text-turn", "approval-accepted", "http-500", "interrupted", "resume-fresh-process"] as const;
/** A committed scenario's name. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** A machine value and the placeholder that stands for it in committed transcripts. */
export interface Substitution {
  value: string;
  placeholder: string;
}

/**
 * Replaces machine paths in a raw JSON line with placeholders. Values are replaced longest
 * first, so a directory inside another (TMPDIR inside CODEX_HOME) keeps the outer placeholder
 * as its prefix. Replacement works on the JSON text: the paths hold no characters JSON escapes.
 */
export function normalizeLine(line: string, substitutions: readonly Substitution[]): string {
  let out = line;
  const ordered = [...substitutions]
    .filter((entry) => entry.value !== "")
    .sort((a, b) => b.value.length - a.value.length);
  for (const { value, placeholder } of ordered) out = out.split(value).join(placeholder);
  return out;
}

/**
 * Absolute paths that must never be committed (temp dirs, home dirs). The generic system paths
 * codex reports (`/bin/bash`, `/usr/...`) are not machine specific and stay.
 */
export const MACHINE_PATH_PATTERN =
  /(?:\/tmp\/|\/private\/var\/|\/var\/folders\/|\/home\/|\/Users\/|\/root\/|\/work\/|[A-Za-z]:\\\\Users)/;
