// The committed transcripts themselves: well formed, recorded with the runtime these protocol
// types were generated from, speaking only methods of the generated maps (so a runtime bump whose
// re-recorded sessions use a new or renamed method fails here), and free of machine paths.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import {
  CLIENT_NOTIFICATION_METHODS,
  CLIENT_REQUEST_METHODS,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
} from "@codex/protocol-types/experimental";
import { describe, expect, test } from "vitest";
import { GENERATED_FOR_CODEX_VERSION } from "../../src/index.js";
import { fixtureUrl, kindOf, loadTranscript, MACHINE_PATH_PATTERN, SCENARIOS } from "./transcript.js";

const serverNotifications = new Set<string>(SERVER_NOTIFICATION_METHODS);
const serverRequests = new Set<string>(SERVER_REQUEST_METHODS);
const clientRequests = new Set<string>(CLIENT_REQUEST_METHODS);
const clientNotifications = new Set<string>(CLIENT_NOTIFICATION_METHODS);

test("there is one fixture per scenario, and nothing else", () => {
  const files = readdirSync(new URL("./fixtures/", import.meta.url)).sort();
  expect(files).toEqual(SCENARIOS.map((scenario) => `${scenario}.jsonl`).sort());
});

describe.each(SCENARIOS)("%s", (scenario) => {
  const transcript = loadTranscript(fixtureUrl(scenario));

  test("was recorded with the codex version the protocol types are generated from", () => {
    for (const { meta } of transcript.sessions) {
      expect(meta.scenario).toBe(scenario);
      expect(meta.codexVersion, "re-record the transcripts after bumping the runtime (see README.md)").toBe(
        GENERATED_FOR_CODEX_VERSION,
      );
    }
    expect(transcript.sessions.map(({ meta }) => meta.session)).toEqual(transcript.sessions.map((_, index) => index));
  });

  test("every inbound message is a known server notification, server request, or a reply", () => {
    const unknown: string[] = [];
    for (const { messages } of transcript.sessions) {
      for (const { direction, message } of messages) {
        if (direction !== "in") continue;
        const kind = kindOf(message);
        if (kind === "notification" && !serverNotifications.has(message.method!))
          unknown.push(`notification ${message.method}`);
        if (kind === "request" && !serverRequests.has(message.method!))
          unknown.push(`server request ${message.method}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test("every outbound message is a known client request or notification", () => {
    const unknown: string[] = [];
    for (const { messages } of transcript.sessions) {
      for (const { direction, message } of messages) {
        if (direction !== "out") continue;
        const kind = kindOf(message);
        if (kind === "request" && !clientRequests.has(message.method!)) unknown.push(`request ${message.method}`);
        if (kind === "notification" && !clientNotifications.has(message.method!))
          unknown.push(`notification ${message.method}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test("every request got exactly one reply, after it", () => {
    for (const { messages } of transcript.sessions) {
      // Each side's requests, by id, until answered by the other side.
      const open = { out: new Set<string>(), in: new Set<string>() };
      for (const { direction, message } of messages) {
        const kind = kindOf(message);
        if (kind === "request") {
          expect(
            open[direction].has(String(message.id)),
            `${direction} request id ${message.id} reused while open`,
          ).toBe(false);
          open[direction].add(String(message.id));
        } else if (kind === "response") {
          const asker = direction === "in" ? "out" : "in";
          expect(
            open[asker].delete(String(message.id)),
            `${direction} reply to ${message.id}, which is not an open request`,
          ).toBe(true);
        }
      }
      expect([...open.out, ...open.in]).toEqual([]);
    }
  });

  test("holds no path of the machine it was recorded on", () => {
    const text = readFileSync(fixtureUrl(scenario), "utf8");
    expect(text).not.toMatch(MACHINE_PATH_PATTERN);
    expect(text).not.toContain(os.homedir());
    expect(text).not.toContain(`${os.tmpdir()}/`);
    expect(text).not.toContain(process.cwd());
  });
});
