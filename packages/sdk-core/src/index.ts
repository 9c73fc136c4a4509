// Anything exported here is public API.
export {};

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
  createJsonRpcError,
  IncompatibleServerError,
  InvalidInputError,
  InternalRpcError,
  InterruptFailedError,
  InvalidParamsError,
  InvalidRequestError,
  JSON_RPC_ERROR_CODES,
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

// JSON-RPC client and transports (src/rpc/)
export { AppServerClient, DEFAULT_MAX_IN_FLIGHT, isControlRequest, SAFE_SERVER_REQUEST_REPLIES } from "./rpc/client.js";
export type {
  AppServerClientOptions,
  Disposable,
  NotificationHandler,
  NotificationIteratorOptions,
  RequestId,
  RequestArguments,
  RequestOptions,
  ServerRequestContext,
  ServerRequestHandler,
  ServerRequestHandlers,
} from "./rpc/client.js";
export { DEFAULT_MAX_MESSAGE_BYTES } from "./rpc/framing.js";
export type { LogFunction, Logger, LoggerObject, LogLevel } from "./rpc/logger.js";
export { isRetryableError, retryOnOverload } from "./rpc/retry.js";
export type { RetryOptions } from "./rpc/retry.js";
export type {
  ClientInstrumentation,
  RequestObservation,
  RequestOutcome,
  ServerRequestReply,
  ServerRequestStart,
} from "./rpc/instrumentation.js";
export { createInMemoryTransportPair } from "./rpc/transport.js";
export type { DroppedMessage, InMemoryTransport, Transport, TransportCloseInfo, TransportReceiver } from "./rpc/transport.js";
export { createInMemoryByteStreamPair, createLineTransport } from "./rpc/line-transport.js";
export type { ByteStream, InMemoryByteStream, LineTransportOptions } from "./rpc/line-transport.js";

export type { ConnectionState, ReconnectOptions } from "./rpc/reconnecting-transport.js";

// The WebSocket and unix-socket transport (src/net/)
export { connectWebSocket, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_HEARTBEAT_MS, defaultControlSocketPath } from "./net/websocket-transport.js";
export type { AppServerAddress, WebSocketTransportOptions } from "./net/websocket-transport.js";

// The stdio transport (src/process/)
export { configToFlags } from "./process/config-flags.js";
export type { TomlTable, TomlValue } from "./process/config-flags.js";
export { spawnAppServer } from "./process/spawn-app-server.js";
export type { ProcessTransport, SpawnAppServerOptions } from "./process/spawn-app-server.js";

// The runtime lookup (src/process/): which codex binary a start uses
export { resolveRuntime, runtimeEnvironment } from "./process/resolve-runtime.js";
export type { ResolvedRuntime, ResolveRuntimeOptions, RuntimeSource } from "./process/resolve-runtime.js";
export { nodeRuntimeHost } from "./process/runtime-host.js";
export type { CliBinLocation, FileFacts, RuntimeHost } from "./process/runtime-host.js";
export { findRuntimePlatform, RUNTIME_PACKAGE_NAME, RUNTIME_PLATFORMS, runtimePlatformFor } from "./process/runtime-platforms.js";
export type { RuntimePlatform } from "./process/runtime-platforms.js";
export { parseCodexVersionOutput } from "./process/codex-version.js";

// The high-level API (src/api/)
export { Codex, DEFAULT_CLIENT_INFO } from "./api/codex.js";
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
} from "./api/codex.js";
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
export type { ImageInput, InputItem, LocalImageInput, MentionInput, RunInput, SkillInput, TextInput } from "./api/inputs.js";
export { ChatgptDeviceCodeLogin, ChatgptLogin, LoginHandle } from "./api/login.js";
export type { LoginResult, LoginWaitOptions } from "./api/login.js";
export { compareVersions, GENERATED_FOR_CODEX_VERSION, parseServerName, parseServerVersion, SDK_VERSION } from "./api/version.js";
