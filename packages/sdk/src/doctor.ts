// `doctor()`: is the codex runtime of this install the one `@codex/sdk` is pinned to, and does it
// start? The `codex-sdk doctor` command prints its report; a user's CI runs that one line.
//
// It never writes to the user's CODEX_HOME: the handshake runs in a throwaway home unless a home
// is named explicitly, because a start writes state there (sqlite databases, system skills).
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Codex, CodexError, SDK_VERSION } from "@codex/sdk-core";
import {
  parseCodexVersionOutput,
  resolveRuntimeOn,
  runtimePlatformFor,
  type RuntimeHost,
} from "@codex/sdk-core/internal";
import type { ResolvedRuntime } from "@codex/sdk-core/rpc";
import { PINNED_RUNTIME_VERSION } from "./runtime-version.js";
import { installedRuntimeHost } from "./runtime/installed-runtime.js";

/** Options of {@link doctor}. */
export interface DoctorOptions {
  /** Check this codex executable instead of the lookup's (`CODEX_BIN`, then the installed package). */
  codexBin?: string | undefined;
  /**
   * Run the handshake in this `CODEX_HOME` (codex writes its state there). Default: a throwaway
   * home, made and removed by the doctor, holding a copy of the user's `auth.json` so that the
   * account can be read: nothing is written to the user's home.
   */
  codexHome?: string | undefined;
  /** Start `codex app-server` and send `initialize` (default true). */
  handshake?: boolean | undefined;
  /** How long the handshake may take, in ms (default 60 000). */
  timeoutMs?: number | undefined;
  /** Aborts the handshake. */
  signal?: AbortSignal | undefined;
}

/** What one check found: `fail` makes the whole report fail. */
export type DoctorStatus = "ok" | "warn" | "fail" | "info";

/** One line of the report. */
export interface DoctorCheck {
  /** What was checked: `"runtime"`, `"version"`, `"platform package"`, `"handshake"`, `"CODEX_HOME"` or `"account"`. */
  readonly name: string;
  readonly status: DoctorStatus;
  /** What was found, and what to do when it is wrong. */
  readonly detail: string;
}

/** The result of {@link doctor}. */
export interface DoctorReport {
  /** True when no check failed: the runtime is the pinned version and (unless skipped) it started. */
  readonly ok: boolean;
  /** The checks, in the order they ran. */
  readonly checks: readonly DoctorCheck[];
  /** The SDK's own version. */
  readonly sdkVersion: string;
  /** The runtime version `@codex/sdk` is pinned to. */
  readonly pinnedVersion: string;
  /** The runtime that was found, or `undefined` when none was. */
  readonly runtime: ResolvedRuntime | undefined;
  /** The version the binary reports (`codex --version`), or `undefined`. */
  readonly runtimeVersion: string | undefined;
  /** The `CODEX_HOME` a plain `Codex.start()` would use, and whether the doctor used it. */
  readonly codexHome: { readonly path: string; readonly fromEnvironment: boolean; readonly usedByDoctor: boolean };
}

/**
 * Examines the codex runtime this install starts: how it was found (`codexBin`, `CODEX_BIN`, the
 * installed `@codex/cli-bin-<platform>` package), its version against
 * {@link PINNED_RUNTIME_VERSION}, the platform package for this machine, `CODEX_HOME`, and (with
 * a handshake) whether `codex app-server` starts and who is signed in. Never throws for a broken
 * install: every problem is a `fail` check, and `ok` is false.
 *
 * ```ts
 * const report = await doctor();
 * if (!report.ok) console.error(formatDoctorReport(report));
 * ```
 */
export function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  return doctorOn(installedRuntimeHost, options);
}

/** {@link doctor} on `host`'s facts (a machine a test describes) instead of this one's. */
export async function doctorOn(host: RuntimeHost, options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const add = (name: string, status: DoctorStatus, detail: string): void => {
    checks.push({ name, status, detail });
  };

  let runtime: ResolvedRuntime | undefined;
  try {
    // Found without the version check, so that a wrong version is reported as one, with the path.
    runtime = await resolveRuntimeOn(host, {
      codexBin: options.codexBin,
      pinnedVersion: PINNED_RUNTIME_VERSION,
      checkRuntimeVersion: false,
    });
    add("runtime", "ok", `${runtime.codexBin} (${describeSource(runtime)})`);
  } catch (error) {
    add("runtime", "fail", messageOf(error));
  }

  let runtimeVersion: string | undefined;
  if (runtime !== undefined) {
    try {
      const output = await host.runVersion(runtime.codexBin);
      runtimeVersion = parseCodexVersionOutput(output);
      if (runtimeVersion === PINNED_RUNTIME_VERSION) add("version", "ok", `${runtimeVersion}, the pinned version`);
      else {
        add(
          "version",
          "fail",
          `${runtimeVersion === undefined ? `unknown (codex --version printed ${JSON.stringify(output.trim().slice(0, 200))})` : runtimeVersion}, but @codex/sdk ${SDK_VERSION} is pinned to ${PINNED_RUNTIME_VERSION}. ` +
            (runtime.source === "package"
              ? "Do not override the version of @codex/cli-bin (npm overrides, pnpm.overrides, yarn resolutions); reinstall your dependencies."
              : `Point ${runtime.source} at a codex ${PINNED_RUNTIME_VERSION} binary, or unset it to use the runtime installed with @codex/sdk.`),
        );
      }
      if (runtime.source === "package" && runtime.version !== undefined && runtime.version !== runtimeVersion) {
        add(
          "version",
          "fail",
          `${runtime.packageName} says ${runtime.version} in its codex-package.json, but its binary reports ${runtimeVersion ?? "no version"}: the package is damaged. Reinstall your dependencies.`,
        );
      }
    } catch (error) {
      const failure = error as { code?: unknown; stderr?: unknown };
      const stderr =
        typeof failure.stderr === "string" && failure.stderr.trim() !== ""
          ? `; stderr: ${failure.stderr.trim().slice(-500)}`
          : "";
      add(
        "version",
        "fail",
        `"${runtime.codexBin} --version" failed (${typeof failure.code === "number" ? `exit code ${failure.code}` : messageOf(error)})${stderr}. It is not a working codex binary.`,
      );
    }
  }

  checkPlatformPackage(host, runtime, add);

  const configuredHome = host.env["CODEX_HOME"];
  const userHome =
    configuredHome !== undefined && configuredHome !== "" ? configuredHome : path.join(os.homedir(), ".codex");
  const usedByDoctor = options.codexHome !== undefined;
  add(
    "CODEX_HOME",
    "info",
    `${userHome} (${configuredHome ? "from the CODEX_HOME environment variable" : "the default, ~/.codex"}${host.stat(userHome)?.isDirectory ? "" : "; does not exist yet"}). ` +
      `Codex.start() uses it unless given codexHome, and writes its state there (sessions, sqlite databases, system skills). ` +
      (usedByDoctor
        ? `The doctor used ${options.codexHome}.`
        : "The doctor did not touch it: its handshake used a throwaway home."),
  );

  const versionOk = runtime !== undefined && runtimeVersion === PINNED_RUNTIME_VERSION;
  if (options.handshake === false) add("handshake", "info", "skipped (handshake: false)");
  else if (!versionOk) add("handshake", "info", "skipped: fix the runtime first");
  else await handshake(runtime!, options, userHome, add);

  return {
    ok: checks.every((check) => check.status !== "fail"),
    checks,
    sdkVersion: SDK_VERSION,
    pinnedVersion: PINNED_RUNTIME_VERSION,
    runtime,
    runtimeVersion,
    codexHome: { path: userHome, fromEnvironment: Boolean(configuredHome), usedByDoctor },
  };
}

function describeSource(runtime: ResolvedRuntime): string {
  switch (runtime.source) {
    case "package":
      return `found through the installed package ${runtime.packageName}`;
    case "CODEX_BIN":
      return "from the CODEX_BIN environment variable";
    case "codexBin":
      return "the codexBin given";
    case "resolveCodexBin":
      return "returned by resolveCodexBin";
  }
}

function checkPlatformPackage(
  host: RuntimeHost,
  runtime: ResolvedRuntime | undefined,
  add: (name: string, status: DoctorStatus, detail: string) => void,
): void {
  const platform = runtimePlatformFor(host.platform, host.arch);
  if (platform === undefined) {
    add(
      "platform package",
      runtime === undefined ? "fail" : "info",
      `codex publishes no runtime for ${host.platform}-${host.arch}; CODEX_BIN must name one.`,
    );
    return;
  }
  if (runtime?.source === "package") {
    add(
      "platform package",
      "ok",
      `${platform.packageName}@${runtime.version ?? "?"} for ${platform.id}, at ${runtime.packageDir}`,
    );
    return;
  }
  // The runtime came from elsewhere (or was not found): say whether the package is there at all.
  // Its absence was already reported by the runtime check when it mattered.
  add(
    "platform package",
    runtime === undefined ? "info" : "warn",
    runtime === undefined
      ? `${platform.packageName} (for ${platform.id}): see the runtime check above.`
      : `${platform.packageName} (for ${platform.id}) is not what runs: ${runtime.source} overrides it.`,
  );
}

async function handshake(
  runtime: ResolvedRuntime,
  options: DoctorOptions,
  userHome: string,
  add: (name: string, status: DoctorStatus, detail: string) => void,
): Promise<void> {
  const throwaway =
    options.codexHome === undefined ? await mkdtemp(path.join(os.tmpdir(), "codex-sdk-doctor-")) : undefined;
  const codexHome = options.codexHome ?? throwaway!;
  const started = Date.now();
  let authCopied = false;
  try {
    // The account is read from a copy of the user's auth.json: their home is read, never written.
    if (throwaway !== undefined) {
      try {
        await copyFile(path.join(userHome, "auth.json"), path.join(throwaway, "auth.json"));
        authCopied = true;
      } catch (error) {
        if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      }
    }
    // sdk-core's Codex: the runtime is already found and checked; this only starts it.
    const codex = await Codex.start({
      codexBin: runtime.codexBin,
      codexHome,
      // Quiet and offline start-up: no plugin, app or remote-plugin discovery.
      appServerArgs: ["--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin"],
      requestTimeoutMs: options.timeoutMs ?? 60_000,
      signal: options.signal,
    });
    try {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const serverVersion = codex.metadata.serverVersion;
      add(
        "handshake",
        serverVersion === PINNED_RUNTIME_VERSION ? "ok" : "fail",
        `codex app-server answered initialize in ${seconds} s as ${serverVersion ?? "an unknown version"} (${throwaway ? "in a throwaway CODEX_HOME" : `in ${codexHome}`})` +
          (serverVersion === PINNED_RUNTIME_VERSION ? "" : `; expected ${PINNED_RUNTIME_VERSION}`),
      );
      let account: Awaited<ReturnType<typeof codex.account>>;
      try {
        account = await codex.account();
      } catch (error) {
        add("account", "warn", `could not be read: ${messageOf(error)}`);
        return;
      }
      const where =
        throwaway === undefined
          ? `in ${codexHome}`
          : authCopied
            ? `from ${path.join(userHome, "auth.json")} (read into the throwaway home; yours was not written)`
            : `${userHome} has no auth.json`;
      const signedIn = account.account !== null && account.account !== undefined;
      const who = !signedIn
        ? account.requiresOpenaiAuth
          ? "nobody is signed in, and the provider needs OpenAI credentials: run codex login, or call codex.loginApiKey()"
          : "nobody is signed in; the provider needs no OpenAI credentials"
        : account.account!.type === "apiKey"
          ? "signed in with an API key"
          : `signed in with ChatGPT${"email" in account.account! && account.account.email ? ` as ${account.account.email}` : ""}`;
      add("account", signedIn || !account.requiresOpenaiAuth ? "ok" : "warn", `${who} (${where})`);
    } finally {
      await codex.close();
    }
  } catch (error) {
    add("handshake", "fail", messageOf(error));
  } finally {
    if (throwaway !== undefined) await rm(throwaway, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}

function messageOf(error: unknown): string {
  if (CodexError.isInstance(error)) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The report as text, one check per line, ending with the verdict. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = [`codex-sdk doctor: @codex/sdk ${report.sdkVersion}, pinned to codex ${report.pinnedVersion}`];
  for (const check of report.checks) {
    const [first, ...rest] = check.detail.split("\n");
    lines.push(`${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${first}`);
    for (const line of rest) lines.push(`${" ".repeat(width + 8)}${line}`);
  }
  lines.push(
    report.ok
      ? "ok: the runtime is the pinned version" +
          (report.checks.some((c) => c.name === "handshake" && c.status === "ok") ? " and it starts" : "")
      : "FAILED: see the fail lines above",
  );
  return lines.join("\n");
}
