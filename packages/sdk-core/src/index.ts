// Anything exported here is public API.
export {};

// Errors (src/errors.ts)
export {
  AbortError,
  CodexError,
  createJsonRpcError,
  IncompatibleServerError,
  InvalidInputError,
  InternalRpcError,
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
} from "./errors.js";
export type {
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
export type { KnownNotification, Notification, UnknownNotification, UnknownNotificationMethod } from "./notification.js";

// JSON-RPC client and transports (src/rpc/)
export { AppServerClient, DEFAULT_MAX_IN_FLIGHT, SAFE_SERVER_REQUEST_REPLIES } from "./rpc/client.js";
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
export { createInMemoryTransportPair } from "./rpc/transport.js";
export type { InMemoryTransport, Transport, TransportCloseInfo } from "./rpc/transport.js";

// The stdio transport (src/process/)
export { configToFlags } from "./process/config-flags.js";
export type { TomlTable, TomlValue } from "./process/config-flags.js";
export { spawnAppServer } from "./process/spawn-app-server.js";
export type { ProcessTransport, SpawnAppServerOptions } from "./process/spawn-app-server.js";

// The high-level API (src/api/)
export { Codex, DEFAULT_CLIENT_INFO } from "./api/codex.js";
export type {
  ChatgptLoginOptions,
  CodexMetadata,
  CodexOptions,
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
export type { TurnResult, TurnSummary } from "./api/turn-result.js";
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
