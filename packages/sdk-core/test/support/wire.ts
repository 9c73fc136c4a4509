// Server messages shaped like the pinned app-server's, for the scripted server to send.
import { GENERATED_FOR_CODEX_VERSION } from "../../src/index.js";
import type { ClientMessage, ScriptedServer } from "./scripted-server.js";

const THREAD = "thread-1";

/** Notification params of a turn's lifecycle, shaped like the real server's. */
export const turnEvents = {
  threadId: THREAD,
  started: (turnId: string, threadId = THREAD) => ({
    method: "turn/started",
    params: {
      threadId,
      turn: wireTurn(turnId),
    },
  }),
  delta: (turnId: string, delta: string, threadId = THREAD) => ({
    method: "item/agentMessage/delta",
    params: { threadId, turnId, itemId: "msg", delta },
  }),
  agentMessage: (turnId: string, text: string, phase: string | null = null, threadId = THREAD) => ({
    method: "item/completed",
    params: { threadId, turnId, completedAtMs: 1, item: { type: "agentMessage", id: `msg-${text}`, text, phase } },
  }),
  usage: (turnId: string, total: number, threadId = THREAD) => ({
    method: "thread/tokenUsage/updated",
    params: {
      threadId,
      turnId,
      tokenUsage: {
        total: {
          totalTokens: total,
          inputTokens: total,
          cachedInputTokens: 0,
          outputTokens: 0,
          reasoningOutputTokens: 0,
        },
        last: {
          totalTokens: total,
          inputTokens: total,
          cachedInputTokens: 0,
          outputTokens: 0,
          reasoningOutputTokens: 0,
        },
        modelContextWindow: null,
      },
    },
  }),
  status: (type: "active" | "idle", threadId = THREAD) => ({
    method: "thread/status/changed",
    params: { threadId, status: type === "active" ? { type, activeFlags: [] } : { type } },
  }),
  completed: (turnId: string, status = "completed", error: unknown = null, threadId = THREAD) => ({
    method: "turn/completed",
    params: {
      threadId,
      turn: wireTurn(turnId, status, error),
    },
  }),
};

/** A `Turn` object as the server sends it. */
export function wireTurn(id: string, status = "inProgress", error: unknown = null) {
  const done = status !== "inProgress";
  return {
    id,
    items: [],
    itemsView: "notLoaded",
    status,
    error,
    startedAt: 1,
    completedAt: done ? 2 : null,
    durationMs: done ? 1000 : null,
  };
}

/** A `Thread` object as the server sends it. */
export function wireThread(id: string) {
  return {
    id,
    sessionId: id,
    forkedFromId: null,
    preview: "",
    ephemeral: false,
    modelProvider: "fake",
    model: "fake-model",
    createdAt: 1,
    updatedAt: 1,
    status: { type: "idle" },
    path: null,
    cwd: "/workspace",
    cliVersion: GENERATED_FOR_CODEX_VERSION,
    source: "vscode",
    gitInfo: null,
    name: null,
    turns: [],
  };
}

/**
 * Answers `thread/start` with thread ids `thread-1`, `thread-2`, ... and `turn/start` with turn
 * ids `<threadId>/turn-1`, ... (unless `holdTurnStart` returns true for that request; then the
 * test replies itself). Returns the turn ids given out, in order.
 */
export function answerThreadsAndTurns(
  server: ScriptedServer,
  holdTurnStart: (message: ClientMessage) => boolean = () => false,
): string[] {
  const turnIds: string[] = [];
  let threads = 0;
  const turnsPerThread = new Map<string, number>();
  server.onMessage((message) => {
    if (message.id === undefined) return;
    if (message.method === "thread/start") {
      threads += 1;
      void server.reply(message.id, {
        thread: wireThread(`thread-${threads}`),
        model: "fake-model",
        modelProvider: "fake",
        cwd: "/workspace",
        approvalPolicy: "never",
        sandbox: { type: "readOnly" },
        reasoningEffort: null,
      });
    } else if (message.method === "turn/start" && !holdTurnStart(message)) {
      const threadId = message.params!["threadId"] as string;
      const count = (turnsPerThread.get(threadId) ?? 0) + 1;
      turnsPerThread.set(threadId, count);
      const turnId = `${threadId}/turn-${count}`;
      turnIds.push(turnId);
      void server.reply(message.id, { turn: wireTurn(turnId) });
    }
  });
  return turnIds;
}
