// What every example shares. Not part of the SDK: the examples use only @codex/sdk's public
// names, and this helper only chooses where they run (offline fake model or the real service).
export { developmentCodexBin, exampleEnvironment, LIVE_SWITCH, offlineReply, requestedMode } from "./environment.js";
export type { ExampleEnvironment, ExampleEnvironmentOptions, ExampleMode } from "./environment.js";
export { check, checkEqual, CheckFailedError, runExample } from "./run-example.js";
export type { RunExampleOptions } from "./run-example.js";
export { ask, bold, dim, flag, green, isInteractive, red, scriptedLines, yellow } from "./terminal.js";
