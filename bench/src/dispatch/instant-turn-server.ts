// An in-process stand-in for the app-server, for measuring the SDK alone: every request is answered
// at once, and a turn/start with the notifications a real trivial turn produces (the methods and
// order app-server 0.169.0 sends), so what a benchmark times is the SDK plus this small server.
// It speaks bytes, for `createLineTransport()`.
import { resultFor } from "./wire.js";

const THREAD = "01a213b0-370d-7f01-8629-b7f8047eee60";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface CloseInfo {
  exitCode: null;
  signal: null;
  stderrTail: string;
  reason: string;
}

/** Answers every request at once; every turn ends `completed` with the text "ok". */
export class InstantTurnServer {
  private resolveClosed!: (info: CloseInfo) => void;
  readonly closed = new Promise<CloseInfo>((resolve) => {
    this.resolveClosed = resolve;
  });
  private onData: ((chunk: Uint8Array) => void) | undefined;
  private turns = 0;

  start(onData: (chunk: Uint8Array) => void): void {
    this.onData = onData;
  }

  write(bytes: Uint8Array): Promise<void> {
    for (const line of decoder.decode(bytes).split("\n")) {
      if (line === "") continue;
      const message = JSON.parse(line) as { id?: number; method?: string };
      if (message.id === undefined || message.method === undefined) continue;
      if (message.method === "turn/start") this.runTurn(message.id);
      else this.send([{ id: message.id, result: resultFor(message.method) }]);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.onData = undefined;
    this.resolveClosed({ exitCode: null, signal: null, stderrTail: "", reason: "closed by the client" });
    return Promise.resolve();
  }

  private send(lines: unknown[]): void {
    const bytes = encoder.encode(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
    setImmediate(() => this.onData?.(bytes));
  }

  private runTurn(requestId: number): void {
    const id = `turn-${++this.turns}`;
    const turn = (status: string) => ({
      id,
      items: [],
      itemsView: "notLoaded",
      status,
      error: null,
      startedAt: 1,
      completedAt: null,
      durationMs: null,
    });
    const scope = { threadId: THREAD, turnId: id };
    const usage = { totalTokens: 12, inputTokens: 10, cachedInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 0 };
    const userMessage = { type: "userMessage", id: "u", content: [{ type: "text", text: "hi" }] };
    this.send([
      { method: "warning", params: { threadId: THREAD, message: "Model metadata not found" }, emittedAtMs: 1 },
      { id: requestId, result: { turn: turn("inProgress") } },
    ]);
    this.send(
      [
        { method: "thread/status/changed", params: { threadId: THREAD, status: { type: "active", activeFlags: [] } } },
        { method: "turn/started", params: { threadId: THREAD, turn: turn("inProgress") } },
        { method: "item/started", params: { ...scope, item: userMessage } },
        { method: "item/completed", params: { ...scope, item: userMessage } },
        {
          method: "item/started",
          params: { ...scope, item: { type: "agentMessage", id: "m", text: "", phase: null } },
        },
        { method: "item/agentMessage/delta", params: { ...scope, itemId: "m", delta: "ok" } },
        {
          method: "item/completed",
          params: { ...scope, item: { type: "agentMessage", id: "m", text: "ok", phase: null } },
        },
        {
          method: "thread/tokenUsage/updated",
          params: { ...scope, tokenUsage: { total: usage, last: usage, modelContextWindow: 258400 } },
        },
        { method: "account/rateLimits/updated", params: { rateLimits: { limitId: "codex" } } },
        { method: "thread/readState/changed", params: { threadId: THREAD, readState: {} } },
        { method: "thread/status/changed", params: { threadId: THREAD, status: { type: "idle" } } },
        { method: "turn/completed", params: { threadId: THREAD, turn: turn("completed") } },
      ].map((notification) => ({ ...notification, emittedAtMs: 1 })),
    );
  }
}
