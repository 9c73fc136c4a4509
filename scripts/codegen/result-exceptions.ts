// The reviewed table of request methods whose result type does not follow the
// `XxxParams -> XxxResponse` naming convention. Nothing in the schema links a method to its
// response, so these pairs are matched by hand (method name against the `*Response`
// definitions no conventional method claims) and reviewed like code.
//
// Generation fails on an entry that no method uses or that the convention already covers,
// and on a `*Response` definition no method returns: a runtime bump that adds an exception
// surfaces here instead of producing a wrong map.

/** Direction of a request that has a result. */
export type RequestDirection = "clientRequest" | "serverRequest";

/** method -> result definition name, per direction. */
export const RESULT_EXCEPTIONS: Readonly<Record<RequestDirection, Readonly<Record<string, string>>>> = {
  clientRequest: {
    // Methods without params: there is no `XxxParams` name to derive the result from.
    "account/gatewayOAuth/cancel": "GatewayOAuthCancelResponse",
    "account/logout": "LogoutAccountResponse",
    "account/securitySetup/read": "GetAccountSecuritySetupResponse",
    "account/workspaceMessages/read": "GetWorkspaceMessagesResponse",
    "config/mcpServer/reload": "McpServerRefreshResponse",
    "configRequirements/read": "ConfigRequirementsReadResponse",
    "externalAgentConfig/import/readHistories": "ExternalAgentConfigImportHistoriesReadResponse",
    "windowsSandbox/readiness": "WindowsSandboxReadinessResponse",
    // Two write methods share one response type.
    "config/batchWrite": "ConfigWriteResponse",
    "config/value/write": "ConfigWriteResponse",
    // Experimental surface only.
    "accountSession/list": "AccountSessionsResponse",
    "memory/reset": "MemoryResetResponse",
    "remoteControl/status/read": "RemoteControlStatusReadResponse",
    "rollout/compress": "RolloutCompressResponse",
  },
  serverRequest: {},
};

/**
 * Definitions whose name ends in `Response` but which are not the result of any method
 * (the orphan check skips them).
 */
export const NON_RESULT_RESPONSES: readonly string[] = [
  // The JSON-RPC response envelope itself.
  "JSONRPCResponse",
];
