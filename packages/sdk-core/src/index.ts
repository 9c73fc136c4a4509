// The root entry: what a user of `Codex`, `Thread`, turns, goals, structured output, errors, retry,
// server-request handlers and `Codex.connect` needs. The low-level JSON-RPC client, the
// transports, the config and runtime helpers and the instrumentation hooks are in
// `@codex/sdk-core/rpc` (src/rpc.ts). Anything exported here is public API, recorded in
// api-report/ (`pnpm api-report`).

// The wire types users name in their own code (from @codex/protocol-types/experimental, the
// surface the SDK is typed with), so that nobody imports a transitive package. `Thread` is the
// SDK's class: the wire type stays `ThreadReadResponse["thread"]`. Every other wire type is in
// `@codex/protocol-types`.
export type {
  Account,
  AskForApproval,
  CodexErrorInfo,
  CommandExecutionApprovalDecision,
  CommandExecutionRequestApprovalParams,
  CommandExecutionRequestApprovalResponse,
  FileChangeApprovalDecision,
  FileChangeRequestApprovalParams,
  FileChangeRequestApprovalResponse,
  GetAccountResponse,
  InitializeResponse,
  Model,
  ModelListResponse,
  Personality,
  ReasoningEffort,
  ReasoningSummary,
  SandboxMode,
  SandboxPolicy,
  ServerNotification,
  ServerRequest,
  ThreadItem,
  ThreadListResponse,
  ThreadReadResponse,
  ThreadStartParams,
  ThreadStatus,
  ThreadTokenUsage,
  TokenUsageBreakdown,
  ToolRequestUserInputParams,
  ToolRequestUserInputResponse,
  Turn,
  TurnError,
  TurnStartParams,
  TurnStatus,
  UserInput,
} from "@codex/protocol-types/experimental";

// Errors (src/errors.ts)
export {
  AbortError,
  AuthenticationError,
  CodexError,
  IncompatibleServerError,
  InvalidInputError,
  InternalRpcError,
  InterruptFailedError,
  InvalidParamsError,
  InvalidRequestError,
  JsonRpcError,
  MethodNotFoundError,
  NotificationBufferOverflowError,
  OutputValidationError,
  ParseError,
  RetryLimitExceededError,
  RuntimeNotFoundError,
  ServerBusyError,
  TimeoutError,
  TransportClosedError,
  TurnLostError,
} from "./errors.js";
export type {
  AuthenticationDetails,
  CodexErrorOptions,
  IncompatibleServerDetails,
  JsonRpcErrorObject,
  JsonRpcErrorOptions,
  OutputValidationIssue,
  RuntimeNotFoundDetails,
  TransportCloseDetails,
} from "./errors.js";

// Notifications (src/notification.ts)
export { isUnknownNotification } from "./notification.js";
export type {
  KnownNotification,
  Notification,
  ThreadNotification,
  TurnNotification,
  UnknownNotification,
  UnknownNotificationMethod,
} from "./notification.js";

// Server-request handlers (approvals, user input) and the subscriptions `on...` methods return
export type { ServerRequestContext, ServerRequestHandler, ServerRequestHandlers, Subscription } from "./rpc/client.js";
export type { LogFunction, Logger, LoggerObject, LogLevel } from "./rpc/logger.js";
export { isRetryableError, retryOnOverload } from "./rpc/retry.js";
export type { RetryOptions } from "./rpc/retry.js";
// `Codex.connect` and `Codex.start({ config })`
export type { ConnectionState, ReconnectOptions } from "./rpc/reconnecting-transport.js";
// What `codex.closed` resolves with.
export type { TransportCloseInfo } from "./rpc/transport.js";
export type { AppServerAddress } from "./net/websocket-transport.js";
export type { TomlTable, TomlValue } from "./process/config-flags.js";

// The high-level API (src/api/)
export { Codex } from "./api/codex.js";
export type {
  ChatgptLoginOptions,
  CodexMetadata,
  CodexOptions,
  ConnectOptions,
  ModelListOptions,
  ThreadForkOptions,
  ThreadListOptions,
  ThreadResumeOptions,
  ThreadStartOptions,
} from "./api/codex-options.js";
export { Thread } from "./api/thread.js";
export type { ThreadReadOptions, TurnOptions } from "./api/thread.js";
export type { ThreadInfo } from "./api/thread-state.js";
export type { ThreadEventsOptions } from "./api/thread-events.js";
export type { ReviewOptions } from "./api/server-started-turns.js";
export { GoalHandle } from "./api/goal.js";
export type { GoalEndStatus, GoalOptions, GoalResult } from "./api/goal.js";
export { TurnHandle } from "./api/turn-handle.js";
export type { SteerOptions } from "./api/turn-handle.js";
export type { TerminalTurnStatus, TurnResult, TurnSummary } from "./api/turn-result.js";
export type {
  JsonSchemaObject,
  OutputOf,
  OutputSchema,
  StandardJsonSchemaOptions,
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaWithJsonSchema,
  StandardSchemaWithJsonSchemaProps,
} from "./api/structured-output.js";
export type {
  ImageInput,
  InputItem,
  LocalImageInput,
  MentionInput,
  RunInput,
  SkillInput,
  TextInput,
} from "./api/inputs.js";
export { ChatgptDeviceCodeLogin, ChatgptLogin, LoginHandle } from "./api/login.js";
export type { LoginResult, LoginWaitOptions } from "./api/login.js";
export { GENERATED_FOR_CODEX_VERSION, SDK_VERSION } from "./api/version.js";
