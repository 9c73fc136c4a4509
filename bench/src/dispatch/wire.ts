// The server side of an in-process session, as bytes: the replies a real app-server gave
// (shapes copied from a recorded session, ids and paths replaced; the version is the pinned
// runtime's, so the SDK's start-up version check accepts it) and a long run of
// `item/agentMessage/delta` lines cut into pipe-sized chunks.
import { readFileSync } from "node:fs";

/** The pinned runtime version (the root package.json's `codexRuntimeVersion`). */
const SERVER_VERSION = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { codexRuntimeVersion: string }
).codexRuntimeVersion;

/** Thread and turn ids of the scripted session. */
export const THREAD_ID = "01a213b0-370d-7f01-8629-b7f8047eee60";
export const TURN_ID = "01a213b0-372c-7bd2-8a2e-d9072f266c2d";
export const ITEM_ID = "msg_1";

/** Size of one read from a pipe on Linux: what a stdio transport hands over at most per chunk. */
export const PIPE_CHUNK_BYTES = 64 * 1024;

const encoder = new TextEncoder();

function thread() {
  return {
    id: THREAD_ID,
    environments: [{ environmentId: "local", cwd: "/workspace", runtimeWorkspaceRoots: ["/workspace"] }],
    extra: null,
    sessionId: THREAD_ID,
    forkedFromId: null,
    attachedToThreadId: null,
    parentThreadId: null,
    preview: "",
    ephemeral: false,
    section: null,
    sectionEnteredAt: null,
    projectId: null,
    historyMode: "paginated",
    modelProvider: "fake",
    model: "fake-model",
    reasoningEffort: null,
    createdAt: 1795626645,
    updatedAt: 1795626645,
    recencyAt: 1795626645,
    status: { type: "idle" },
    path: null,
    cwd: "/workspace",
    cliVersion: SERVER_VERSION,
    originator: "bench",
    source: "vscode",
    canAcceptDirectInput: true,
    threadSource: null,
    agentNickname: null,
    agentRole: null,
    gitInfo: null,
    name: null,
    daybreakEnabled: null,
    turns: [],
  };
}

function turn(status: "inProgress" | "completed") {
  return {
    id: TURN_ID,
    rootTurnId: TURN_ID,
    items: [],
    itemsView: "notLoaded",
    status,
    error: null,
    startedAt: 1795626645,
    completedAt: status === "completed" ? 1795626646 : null,
    durationMs: status === "completed" ? 1000 : null,
  };
}

/** The result the scripted server sends for `method`. */
export function resultFor(method: string): unknown {
  switch (method) {
    case "initialize":
      return {
        userAgent: `bench/${SERVER_VERSION} (Debian 12.0.0; x86_64) xterm (bench; 0.0.0)`,
        codexHome: "/codex-home",
        platformFamily: "unix",
        platformOs: "linux",
      };
    case "thread/start":
      return {
        thread: thread(),
        model: "fake-model",
        modelProvider: "fake",
        serviceTier: null,
        disabledPluginIds: [],
        cwd: "/workspace",
        runtimeWorkspaceRoots: ["/workspace"],
        instructionSources: [],
        approvalPolicy: "never",
        approvalsReviewer: "user",
        sandbox: { type: "readOnly", networkAccess: false },
        activePermissionProfile: null,
        reasoningEffort: null,
        multiAgentMode: "explicitRequestOnly",
      };
    case "turn/start":
      return { turn: turn("inProgress") };
    default:
      return {};
  }
}

function line(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/** One delta notification line, exactly as the app-server writes it. */
export function deltaLine(index: number): string {
  return line({
    method: "item/agentMessage/delta",
    params: { threadId: THREAD_ID, turnId: TURN_ID, itemId: ITEM_ID, delta: `w${index} ` },
    emittedAtMs: 1795626645380 + (index >> 10),
  });
}

/** The whole turn as server output: started, `count` deltas, completed. */
export interface TurnBytes {
  /**
   * The bytes (Buffers, as a stdio pipe delivers them), cut into {@link PIPE_CHUNK_BYTES} pieces at
   * arbitrary offsets (lines split across chunks).
   */
  chunks: Buffer[];
  totalBytes: number;
  /** Number of lines (messages) in the bytes. */
  lines: number;
  deltas: number;
}

/** Builds the server output of one turn with `count` deltas. */
export function buildTurnBytes(count: number): TurnBytes {
  const head =
    line({
      method: "thread/status/changed",
      params: { threadId: THREAD_ID, status: { type: "active", activeFlags: [] } },
      emittedAtMs: 1,
    }) +
    line({ method: "turn/started", params: { threadId: THREAD_ID, turn: turn("inProgress") }, emittedAtMs: 1 }) +
    line({
      method: "item/started",
      params: {
        item: {
          type: "agentMessage",
          id: ITEM_ID,
          text: "",
          phase: null,
          memoryCitation: null,
          startedAtMs: 1,
          completedAtMs: null,
        },
        threadId: THREAD_ID,
        turnId: TURN_ID,
        startedAtMs: 1,
      },
      emittedAtMs: 1,
    });
  const tail =
    line({
      method: "item/completed",
      params: {
        item: {
          type: "agentMessage",
          id: ITEM_ID,
          text: "(elided)",
          phase: null,
          memoryCitation: null,
          startedAtMs: 1,
          completedAtMs: 2,
        },
        threadId: THREAD_ID,
        turnId: TURN_ID,
        completedAtMs: 2,
      },
      emittedAtMs: 2,
    }) +
    line({
      method: "thread/status/changed",
      params: { threadId: THREAD_ID, status: { type: "idle" } },
      emittedAtMs: 2,
    }) +
    line({ method: "turn/completed", params: { threadId: THREAD_ID, turn: turn("completed") }, emittedAtMs: 2 });

  // Encode in slabs so no single JS string gets near V8's string length limit.
  const parts: Uint8Array[] = [encoder.encode(head)];
  const slab = 10_000;
  for (let start = 0; start < count; start += slab) {
    let text = "";
    const end = Math.min(count, start + slab);
    for (let index = start; index < end; index += 1) text += deltaLine(index);
    parts.push(encoder.encode(text));
  }
  parts.push(encoder.encode(tail));
  const totalBytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const all = new Uint8Array(totalBytes);
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.byteLength;
  }
  const chunks: Buffer[] = [];
  for (let start = 0; start < totalBytes; start += PIPE_CHUNK_BYTES) {
    chunks.push(Buffer.from(all.buffer, start, Math.min(totalBytes, start + PIPE_CHUNK_BYTES) - start));
  }
  return { chunks, totalBytes, lines: count + 6, deltas: count };
}
