// Anything exported here is public API.
export { resolveCodexBin } from "./codex-bin.js";
export { startFakeModel, defaultReply } from "./fake-model.js";
export type { FakeModel, FakeModelOptions, ReplyScript, RequestMatcher, WaitOptions } from "./fake-model.js";
export { reply, splitIntoChunks } from "./replies.js";
export type {
  ApplyPatchReply,
  DropReply,
  EventsReply,
  FailedReply,
  FakeReply,
  FakeUsage,
  HangReply,
  HttpErrorOptions,
  HttpErrorReply,
  MalformedReply,
  SseEvent,
  StreamOptions,
  TextOptions,
  TextReply,
  ToolCallOptions,
  ToolCallReply,
} from "./replies.js";
export type { RecordedRequest, RecordedToolOutput } from "./recorded-request.js";
export { createCodexHome, createTestEnvironment, QUIET_APP_SERVER_ARGS } from "./codex-home.js";
export type { CodexHomeOptions, TestCodexHome, TestEnvironment, TestEnvironmentOptions } from "./codex-home.js";
export { startListeningAppServer } from "./listening-app-server.js";
export type { ListeningAppServer, ListeningAppServerOptions } from "./listening-app-server.js";
