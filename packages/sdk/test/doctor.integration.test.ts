// `doctor()` and the `codex-sdk doctor` command: a healthy install (a real runtime layout holding
// the pinned binary, found as the installed package), a wrong runtime version through CODEX_BIN,
// and a missing platform package. The user's CODEX_HOME is never touched.
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { nodeRuntimeHost, runtimePlatformFor, type RuntimeHost } from "@codex/sdk-core/internal";
import { resolveCodexBin } from "@codex/sdk-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctorOn } from "../src/doctor.js";
import { formatDoctorReport, PINNED_RUNTIME_VERSION } from "../src/index.js";

const execFileAsync = promisify(execFile);
const packageRoot = path.resolve(import.meta.dirname, "..");
const realCodex = resolveCodexBin();
const platform = runtimePlatformFor()!;

let temp: string;
/** Where the user's CODEX_HOME points in these tests: it must still not exist afterwards. */
let userHome: string;

beforeAll(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-doctor-test-"));
  userHome = path.join(temp, "user-codex-home");
});
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

/**
 * A node_modules with `@codex/cli-bin` and, unless `withPlatformPackage` is false, this machine's
 * `@codex/cli-bin-<platform>` holding the real pinned binary (symlinked) in codex's own layout.
 */
function installedRuntime(name: string, options: { withPlatformPackage?: boolean } = {}): RuntimeHost {
  const nodeModules = path.join(temp, name, "node_modules");
  const cliBin = path.join(nodeModules, "@codex", "cli-bin");
  mkdirSync(cliBin, { recursive: true });
  writeFileSync(
    path.join(cliBin, "package.json"),
    JSON.stringify({
      name: "@codex/cli-bin",
      version: PINNED_RUNTIME_VERSION,
      optionalDependencies: { [platform.packageName]: PINNED_RUNTIME_VERSION },
    }),
  );
  writeFileSync(path.join(cliBin, "index.js"), "");
  if (options.withPlatformPackage ?? true) {
    const dir = path.join(nodeModules, platform.packageName);
    mkdirSync(path.join(dir, "bin"), { recursive: true });
    mkdirSync(path.join(dir, "codex-path"));
    mkdirSync(path.join(dir, "codex-resources"));
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: platform.packageName, version: PINNED_RUNTIME_VERSION }),
    );
    writeFileSync(
      path.join(dir, "codex-package.json"),
      JSON.stringify({
        layoutVersion: 1,
        version: PINNED_RUNTIME_VERSION,
        entrypoint: "bin/codex",
        pathDir: "codex-path",
        resourcesDir: "codex-resources",
      }),
    );
    symlinkSync(realCodex, path.join(dir, "bin", "codex"));
  }
  const requireFromCliBin = createRequire(path.join(cliBin, "index.js"));
  return {
    platform: nodeRuntimeHost.platform,
    arch: nodeRuntimeHost.arch,
    env: { CODEX_HOME: userHome },
    stat: (file) => nodeRuntimeHost.stat(file),
    readText: (file) => nodeRuntimeHost.readText(file),
    runVersion: (executable) => nodeRuntimeHost.runVersion(executable),
    locateCliBin: async () => ({
      packageDir: cliBin,
      resolve: (specifier) => {
        try {
          // Only this node_modules: NODE_PATH (pnpm sets it) would find the repository's packages.
          const file = requireFromCliBin.resolve(specifier);
          return file.startsWith(nodeModules + path.sep) ? file : undefined;
        } catch {
          return undefined;
        }
      },
    }),
  };
}

/** Runs `codex-sdk <args>` from the package's source; resolves with its exit code and output. */
async function codexSdk(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ["--import", "tsx", path.join(packageRoot, "src", "cli.ts"), ...args],
      {
        cwd: packageRoot,
        env,
        timeout: 90_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failure.code !== "number") throw error;
    return { code: failure.code, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}

describe("doctor() (on a described machine: doctorOn)", () => {
  it("a healthy install: the installed package, the pinned version, a handshake in a throwaway home", {
    timeout: 90_000,
  }, async () => {
    const report = await doctorOn(installedRuntime("healthy"));
    const text = formatDoctorReport(report);
    expect(report.ok, text).toBe(true);
    expect(report.runtime).toMatchObject({
      source: "package",
      packageName: platform.packageName,
      version: PINNED_RUNTIME_VERSION,
    });
    expect(report.runtimeVersion).toBe(PINNED_RUNTIME_VERSION);
    const status = Object.fromEntries(report.checks.map((check) => [check.name, check.status]));
    expect(status).toMatchObject({
      runtime: "ok",
      version: "ok",
      "platform package": "ok",
      handshake: "ok",
      CODEX_HOME: "info",
      account: "warn",
    });
    expect(report.checks.find((check) => check.name === "account")?.detail).toContain(
      `nobody is signed in, and the provider needs OpenAI credentials`,
    );
    expect(text).toContain(`found through the installed package ${platform.packageName}`);
    expect(text).toContain("in a throwaway CODEX_HOME");
    expect(report.codexHome).toEqual({ path: userHome, fromEnvironment: true, usedByDoctor: false });
    // The user's home was named, reported, and left alone.
    expect(text).toContain(userHome);
    expect(existsSync(userHome)).toBe(false);
  });

  it("reads the account from the user's auth.json without writing to the user's home", {
    timeout: 90_000,
  }, async () => {
    const home = path.join(temp, "signed-in-home");
    mkdirSync(home);
    const auth = JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-doctor-test" }, null, 2);
    writeFileSync(path.join(home, "auth.json"), auth, { mode: 0o600 });
    const before = statSync(path.join(home, "auth.json")).mtimeMs;
    const host = { ...installedRuntime("signed-in"), env: { CODEX_HOME: home } };
    const report = await doctorOn(host);
    expect(report.ok, formatDoctorReport(report)).toBe(true);
    const account = report.checks.find((check) => check.name === "account");
    expect(account).toMatchObject({ status: "ok" });
    expect(account?.detail).toContain("signed in with an API key");
    expect(account?.detail).toContain(`from ${path.join(home, "auth.json")}`);
    // Nothing was added to, or changed in, the user's home.
    expect(readdirSync(home)).toEqual(["auth.json"]);
    expect(readFileSync(path.join(home, "auth.json"), "utf8")).toBe(auth);
    expect(statSync(path.join(home, "auth.json")).mtimeMs).toBe(before);
  });

  it("a missing platform package fails, naming it, with advice safe on any platform", async () => {
    const report = await doctorOn(installedRuntime("no-platform-package", { withPlatformPackage: false }));
    expect(report.ok).toBe(false);
    const runtime = report.checks.find((check) => check.name === "runtime");
    expect(runtime?.status).toBe("fail");
    expect(runtime?.detail).toContain(`${platform.packageName}, is not installed`);
    expect(runtime?.detail).toContain("optional dependencies included");
    expect(runtime?.detail).not.toContain(`npm install ${platform.packageName}`);
    expect(report.checks.find((check) => check.name === "handshake")?.detail).toContain("skipped");
  });

  it("with codexHome, runs the handshake there and reads its account", { timeout: 90_000 }, async () => {
    const home = path.join(temp, "explicit-home");
    mkdirSync(home);
    const report = await doctorOn(installedRuntime("explicit-home-install"), { codexHome: home });
    expect(report.ok, formatDoctorReport(report)).toBe(true);
    expect(report.codexHome.usedByDoctor).toBe(true);
    const account = report.checks.find((check) => check.name === "account");
    expect(account?.detail).toMatch(/nobody is signed in/);
    expect(report.checks.find((check) => check.name === "handshake")?.detail).toContain(`in ${home}`);
  });
});

describe("codex-sdk doctor", () => {
  const environment = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    ...process.env,
    CODEX_HOME: userHome,
    ...extra,
  });

  it("exits 0 on a healthy runtime (CODEX_BIN at the pinned binary)", { timeout: 90_000 }, async () => {
    const { code, stdout } = await codexSdk(["doctor"], environment({ CODEX_BIN: realCodex }));
    expect(code, stdout).toBe(0);
    expect(stdout).toContain(`ok    version`);
    expect(stdout).toContain(`${PINNED_RUNTIME_VERSION}, the pinned version`);
    expect(stdout).toMatch(/ok: the runtime is the pinned version and it starts/);
    expect(existsSync(userHome)).toBe(false);
  });

  it("exits 1 on a wrong runtime version through CODEX_BIN, naming both versions", {
    skip: process.platform === "win32",
  }, async () => {
    const script = path.join(temp, "other-codex");
    writeFileSync(script, '#!/bin/sh\necho "codex-cli 0.1.0"\n');
    chmodSync(script, 0o755);
    const { code, stdout } = await codexSdk(["doctor"], environment({ CODEX_BIN: script }));
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/fail +version +0\.1\.0, but @codex\/sdk .* is pinned to /);
    expect(stdout).toContain("Point CODEX_BIN at a codex");
    expect(stdout).toContain("skipped: fix the runtime first");
    expect(stdout).toContain("FAILED");
  });

  it("exits 1 when the runtime package has no binary (this repository's manifest-only package), and --json says why", {
    timeout: 30_000,
  }, async () => {
    const env = environment({});
    delete env["CODEX_BIN"];
    const { code, stdout } = await codexSdk(["doctor", "--json"], env);
    expect(code, stdout).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ name: "runtime", status: "fail" });
    expect(report.checks[0]?.detail).toContain(platform.packageName);
  });

  it("refuses an unknown subcommand with the usage and exit code 2", async () => {
    const { code, stderr } = await codexSdk(["doctr"], environment({}));
    expect(code).toBe(2);
    expect(stderr).toContain("Usage: codex-sdk doctor");
  });
});
