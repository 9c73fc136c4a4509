// The logger the SDK writes to: app-server stderr lines, protocol problems, and (on request) a
// protocol trace with secrets redacted.

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger as one function. */
export type LogFunction = (level: LogLevel, message: string, data?: unknown) => void;

/** A logger as an object with optional methods per level; `console` fits. */
export interface LoggerObject {
  /** Protocol trace, stderr chatter. */
  debug?(message: string, data?: unknown): void;
  /** Notable events. */
  info?(message: string, data?: unknown): void;
  /** Something odd that the SDK worked around. */
  warn?(message: string, data?: unknown): void;
  /** Something failed. */
  error?(message: string, data?: unknown): void;
}

/** Either form of logger. */
export type Logger = LogFunction | LoggerObject;

/** A logger with every level callable; levels the user did not provide do nothing. */
export interface NormalizedLogger {
  /** True if the user's logger has a `debug` level (lets callers skip building trace text). */
  readonly debugEnabled: boolean;
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

const ignore = (): void => {};

/** Turns a user-supplied logger (or none) into one with every level callable. */
export function normalizeLogger(logger: Logger | undefined): NormalizedLogger {
  if (logger === undefined) return { debugEnabled: false, debug: ignore, info: ignore, warn: ignore, error: ignore };
  if (typeof logger === "function") {
    return {
      debugEnabled: true,
      debug: (message, data) => safely(() => logger("debug", message, data)),
      info: (message, data) => safely(() => logger("info", message, data)),
      warn: (message, data) => safely(() => logger("warn", message, data)),
      error: (message, data) => safely(() => logger("error", message, data)),
    };
  }
  const level = (name: LogLevel): ((message: string, data?: unknown) => void) => {
    const method = logger[name];
    if (typeof method !== "function") return ignore;
    return (message, data) =>
      safely(() => (data === undefined ? method.call(logger, message) : method.call(logger, message, data)));
  };
  return {
    debugEnabled: typeof logger.debug === "function",
    debug: level("debug"),
    info: level("info"),
    warn: level("warn"),
    error: level("error"),
  };
}

/** A throwing logger must not break the reader loop that called it. */
function safely(write: () => void): void {
  try {
    write();
  } catch {
    // Nothing sensible to do: the logger itself is what failed.
  }
}

/**
 * Field names whose values are replaced by "[redacted]" in traces, matched on the name without
 * case, "-" and "_", by its ending: `apiKey`, `accessToken`, `sessionToken`, `secretAccessKey`,
 * `clientSecret`, and environment variables such as `OPENAI_API_KEY` or `GITHUB_TOKEN` in
 * `command/exec` params. Matching endings rather than a list of names matters: the schema has
 * credentials under many names (`amazonBedrockAccessKeys` logins carry `secretAccessKey` and
 * `sessionToken`), and a name missing from a list would be written to the user's log in clear.
 */
const SECRET_SUFFIX =
  /(?:apikey|token|secret|password|passphrase|accesskey|accesskeyid|privatekey|credentials?|cookie)$/;
const SECRET_NAME = /^(?:authorization|proxyauthorization)$/;

/** True if a field of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  const bare = key.toLowerCase().replace(/[-_]/g, "");
  return SECRET_SUFFIX.test(bare) || SECRET_NAME.test(bare);
}

/**
 * Values that are credentials whatever field holds them, replaced inside any string: OpenAI keys
 * (`sk-…`), GitHub tokens (`ghp_…`, `gho_…`, `ghu_…`, `ghs_…`, `ghr_…`, `github_pat_…`), JWTs
 * (`eyJ….….…`) and `Bearer …` credentials (in a command line, a header value, an error text).
 */
const SECRET_VALUE =
  /\bsk-[A-Za-z0-9_-]{8,}|\bgh[pousr]_[A-Za-z0-9]{16,}|\bgithub_pat_[A-Za-z0-9_]{16,}|\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*|\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;

/** `text` with every credential-shaped part replaced by "[redacted]". */
export function redactSecretValues(text: string): string {
  return text.replace(SECRET_VALUE, (match) => (/^bearer\s/i.test(match) ? "Bearer [redacted]" : "[redacted]"));
}

/**
 * True if a config key path (`config/value/write`'s and `config/batchWrite`'s `keyPath`, such as
 * `mcp_servers.github.env.GITHUB_TOKEN`) ends in a secret: its `value` is then a secret too, whatever it looks like.
 */
export function isSecretKeyPath(keyPath: string): boolean {
  const segments = keyPath.split(".");
  const last = segments[segments.length - 1]!.replace(/^"|"$/g, "");
  return isSecretKey(last);
}

/**
 * JSON text of `value` with secrets redacted, for traces and logs: fields whose name says
 * secret (`isSecretKey`), the `value` beside a `keyPath` that names a secret
 * (`config/value/write`, `config/batchWrite` edits), and credential-shaped strings under any name.
 */
export function redactedJson(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, key: string, field: unknown): unknown {
    if (key !== "" && field !== null && field !== undefined) {
      if (isSecretKey(key)) return "[redacted]";
      if (key === "value" && typeof this === "object" && this !== null) {
        const keyPath = (this as { keyPath?: unknown }).keyPath;
        if (typeof keyPath === "string" && isSecretKeyPath(keyPath)) return "[redacted]";
      }
    }
    return typeof field === "string" ? redactSecretValues(field) : field;
  });
}
