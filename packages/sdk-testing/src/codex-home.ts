// A throwaway CODEX_HOME whose config.toml points codex at a fake model, with codex's own retries
// off and a short stream idle timeout, so every failure surfaces at once and deterministically.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "./fake-model.js";

/**
 * `codex app-server` flags that make start-up quieter and faster offline (no plugin, app or
 * remote-plugin discovery). {@link createCodexHome} also turns these features off in
 * `config.toml`, so the flags are optional.
 */
export const QUIET_APP_SERVER_ARGS: readonly string[] = Object.freeze([
  "--disable",
  "plugins",
  "--disable",
  "apps",
  "--disable",
  "remote_plugin",
]);

/** Options of {@link createCodexHome}. */
export interface CodexHomeOptions {
  /** The fake model to point at (or anything with its `url`). Give this or `baseUrl`. */
  fakeModel?: Pick<FakeModel, "url">;
  /** The provider's `base_url` (ending in `/v1`), when not using `fakeModel`. */
  baseUrl?: string;
  /**
   * Model slug sent to the provider (default `"fake-model"`). A known slug such as `"gpt-5.5"` adds
   * the `apply_patch` tool.
   */
  model?: string;
  /** Value of the provider's API key variable, sent as the bearer token (default `"sk-fake-model"`). */
  apiKey?: string;
  /** Name of the environment variable holding the API key (default `"FAKE_OPENAI_API_KEY"`). */
  envKey?: string;
  /** Codex's `stream_idle_timeout_ms`: how long a silent stream lasts before the turn fails (default 1000). */
  streamIdleTimeoutMs?: number;
  /** Codex's `request_max_retries` for the provider (default 0: an HTTP error fails the turn at once). */
  requestMaxRetries?: number;
  /** Codex's `stream_max_retries` for the provider (default 0: a broken stream fails the turn at once). */
  streamMaxRetries?: number;
  /**
   * `approval_policy` in config.toml (default `"never"`; `"untrusted"` is rejected there by codex
   * 0.169, pass it on `thread/start`).
   */
  approvalPolicy?: "never" | "on-request";
  /** `sandbox_mode` in config.toml (default `"read-only"`). */
  sandboxMode?: "read-only" | "workspace-write" | "danger-full-access";
  /** Turn off plugin, app and remote-plugin discovery in config.toml (default true). */
  quiet?: boolean;
  /**
   * Let codex snapshot the user's login shell for each thread (`features.shell_snapshot`; default
   * false here, although codex turns it on by default). The snapshot runs `bash -lc` with the
   * machine's shell profile once per thread: on a machine with a slow profile that costs seconds
   * per thread and makes command output depend on that profile, neither of which a test wants.
   */
  shellSnapshot?: boolean;
  /** More TOML appended to config.toml verbatim. */
  extraToml?: string;
  /**
   * Give the app-server its own `TMPDIR` inside the home (default true), so the temporary files
   * codex keeps per user (sandbox mount targets, daemon locks) go away with `dispose()`. Commands
   * the model runs see this `TMPDIR` too.
   */
  isolateTmpDir?: boolean;
  /** Extra environment variables for the app-server (e.g. `{ RUST_LOG: "warn" }`). */
  env?: Record<string, string>;
  /** Where the temporary directory is made (default `os.tmpdir()`). */
  parentDir?: string;
}

/**
 * A temporary CODEX_HOME. Spread it into `Codex.start({ ...home })`: `codexHome`, `env` and
 * `appServerArgs` are `CodexOptions` fields; `configToml` and `dispose` are extra and ignored there.
 */
export interface TestCodexHome extends AsyncDisposable {
  /** The directory (holds `config.toml`; codex writes sessions and logs below it). */
  readonly codexHome: string;
  /** Environment for the app-server: `CODEX_HOME`, the provider's API key variable and (by default) `TMPDIR`. */
  readonly env: Record<string, string>;
  /**
   * Optional quiet flags for `codex app-server` (see {@link QUIET_APP_SERVER_ARGS}): the
   * `appServerArgs` option of `Codex.start()`, or for any process layer that builds argv as
   * `[codexBin, "app-server", ...appServerArgs]`.
   */
  readonly appServerArgs: readonly string[];
  /** The config.toml that was written. */
  readonly configToml: string;
  /** Removes the directory. Idempotent. Stop the app-server first. */
  dispose(): Promise<void>;
}

/** A TOML basic string. */
export function tomlString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    // TOML forbids raw control characters (and DEL) in basic strings.
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`createCodexHome: ${name} must be a non-negative integer, got ${value}.`);
  return value;
}

/** The config.toml text {@link createCodexHome} writes. */
export function renderConfigToml(options: CodexHomeOptions): string {
  const baseUrl = options.fakeModel?.url ?? options.baseUrl;
  if (!baseUrl) throw new TypeError("createCodexHome: give `fakeModel` or `baseUrl`.");
  const envKey = options.envKey ?? "FAKE_OPENAI_API_KEY";
  if (!ENV_KEY_PATTERN.test(envKey))
    throw new TypeError(`createCodexHome: envKey ${JSON.stringify(envKey)} is not a variable name.`);
  const lines = [
    "# Written by @codex/sdk-testing: a throwaway home pointing codex at a fake model.",
    `model = ${tomlString(options.model ?? "fake-model")}`,
    `model_provider = "fake"`,
    `approval_policy = ${tomlString(options.approvalPolicy ?? "never")}`,
    `sandbox_mode = ${tomlString(options.sandboxMode ?? "read-only")}`,
    "",
    "[model_providers.fake]",
    `name = "Fake"`,
    `base_url = ${tomlString(baseUrl)}`,
    `wire_api = "responses"`,
    `env_key = ${tomlString(envKey)}`,
    `request_max_retries = ${nonNegativeInteger("requestMaxRetries", options.requestMaxRetries ?? 0)}`,
    `stream_max_retries = ${nonNegativeInteger("streamMaxRetries", options.streamMaxRetries ?? 0)}`,
    `stream_idle_timeout_ms = ${nonNegativeInteger("streamIdleTimeoutMs", options.streamIdleTimeoutMs ?? 1000)}`,
  ];
  const features: string[] = [];
  if (options.quiet ?? true) features.push("plugins = false", "apps = false", "remote_plugin = false");
  if (!(options.shellSnapshot ?? false)) features.push("shell_snapshot = false");
  if (features.length > 0) lines.push("", "[features]", ...features);
  if (options.extraToml) lines.push("", options.extraToml);
  return `${lines.join("\n")}\n`;
}

/**
 * Makes a temporary CODEX_HOME whose `config.toml` points codex at a fake model (provider
 * `fake`, retries off, 1 s stream idle timeout, `approval_policy = "never"`, read-only sandbox).
 *
 * ```ts
 * await using home = await createCodexHome({ fakeModel: fake });
 * await using codex = await Codex.start({ ...home });
 * ```
 */
export async function createCodexHome(options: CodexHomeOptions): Promise<TestCodexHome> {
  const configToml = renderConfigToml(options);
  const envKey = options.envKey ?? "FAKE_OPENAI_API_KEY";
  const codexHome = await mkdtemp(path.join(options.parentDir ?? os.tmpdir(), "codex-sdk-testing-home-"));
  const tmpDir = path.join(codexHome, "tmp");
  const isolateTmpDir = options.isolateTmpDir ?? true;
  try {
    await writeFile(path.join(codexHome, "config.toml"), configToml, { mode: 0o600 });
    if (isolateTmpDir) await mkdir(tmpDir);
  } catch (error) {
    await rm(codexHome, { recursive: true, force: true });
    throw error;
  }
  let disposing: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    // Retries: codex may still be flushing a session file for a moment after it exits.
    disposing ??= rm(codexHome, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    return disposing;
  };
  return {
    codexHome,
    env: {
      ...options.env,
      ...(isolateTmpDir ? { TMPDIR: tmpDir } : {}),
      CODEX_HOME: codexHome,
      [envKey]: options.apiKey ?? "sk-fake-model",
    },
    appServerArgs: QUIET_APP_SERVER_ARGS,
    configToml,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** Options of {@link createTestEnvironment}: the fake model's and the home's, minus what links them. */
export interface TestEnvironmentOptions extends Omit<CodexHomeOptions, "fakeModel" | "baseUrl"> {
  fakeModel?: Omit<FakeModelOptions, "apiKey">;
}

/** A fake model and a CODEX_HOME pointing at it; spreads into `Codex.start()` like {@link TestCodexHome}. */
export interface TestEnvironment extends TestCodexHome {
  readonly fakeModel: FakeModel;
}

/**
 * Starts a fake model and makes a CODEX_HOME pointing at it; the fake checks the API key the
 * home gives codex. `dispose()` closes the fake and removes the directory.
 *
 * ```ts
 * await using env = await createTestEnvironment();
 * env.fakeModel.enqueue(reply.text("Hi!"));
 * await using codex = await Codex.start({ ...env });
 * ```
 */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const apiKey = options.apiKey ?? "sk-fake-model";
  const fakeModel = await startFakeModel({ ...options.fakeModel, apiKey });
  let home: TestCodexHome;
  try {
    const { fakeModel: _fakeOptions, ...homeOptions } = options;
    home = await createCodexHome({ ...homeOptions, apiKey, fakeModel });
  } catch (error) {
    await fakeModel.close();
    throw error;
  }
  let disposing: Promise<void> | undefined;
  const dispose = (): Promise<void> => {
    disposing ??= Promise.all([fakeModel.close(), home.dispose()]).then(() => undefined);
    return disposing;
  };
  return {
    codexHome: home.codexHome,
    env: home.env,
    appServerArgs: home.appServerArgs,
    configToml: home.configToml,
    fakeModel,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
