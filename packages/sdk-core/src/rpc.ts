// `@codex/sdk-core/rpc`: the layer under `Codex` — the JSON-RPC client, the transports (stdio and
// line-delimited streams, an in-memory pair, WebSocket and unix socket), the app-server spawn,
// config flags, the runtime lookup and the instrumentation hooks. Most programs need only the root
// entry; this one is for building on the wire protocol directly, custom transports and tooling.
// Anything exported here is public API, recorded in api-report/ (`pnpm api-report`).

// JSON-RPC client (src/rpc/client.ts)
export { AppServerClient, isControlRequest, SAFE_SERVER_REQUEST_REPLIES } from "./rpc/client.js";
export type {
  AppServerClientOptions,
  NotificationHandler,
  NotificationIteratorOptions,
  RequestArguments,
  RequestId,
  RequestOptions,
} from "./rpc/client.js";
export { createJsonRpcError, JSON_RPC_ERROR_CODES } from "./errors.js";

// Instrumentation hooks (`CodexOptions.instrumentation`, `AppServerClientOptions.instrumentation`)
export type {
  ClientInstrumentation,
  RequestObservation,
  RequestOutcome,
  ServerRequestReply,
  ServerRequestStart,
} from "./rpc/instrumentation.js";

// Transports
export { createInMemoryTransportPair } from "./rpc/transport.js";
export type {
  DroppedMessage,
  InMemoryTransport,
  Transport,
  TransportCloseInfo,
  TransportReceiver,
} from "./rpc/transport.js";
export { createInMemoryByteStreamPair, createLineTransport } from "./rpc/line-transport.js";
export type { ByteStream, InMemoryByteStream, LineTransportOptions } from "./rpc/line-transport.js";
export { connectWebSocket, defaultControlSocketPath } from "./net/websocket-transport.js";
export type { WebSocketTransportOptions } from "./net/websocket-transport.js";

// The stdio app-server: its spawn, config flags and the runtime lookup (which codex binary)
export { configToFlags } from "./process/config-flags.js";
export { spawnAppServer } from "./process/spawn-app-server.js";
export type { ProcessTransport, SpawnAppServerOptions } from "./process/spawn-app-server.js";
export { resolveRuntime, runtimeEnvironment } from "./process/resolve-runtime.js";
export type { ResolvedRuntime, ResolveRuntimeOptions, RuntimeSource } from "./process/resolve-runtime.js";
