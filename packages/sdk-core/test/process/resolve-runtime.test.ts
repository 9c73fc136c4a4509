import path from "node:path";
import { describe, expect, it } from "vitest";
import { IncompatibleServerError, RuntimeNotFoundError } from "../../src/errors.js";
import { type ResolveRuntimeOptions, resolveRuntimeOn, runtimeEnvironment } from "../../src/process/resolve-runtime.js";
import type { RuntimeHost } from "../../src/process/runtime-host.js";
import { FakeHost, PINNED_RUNTIME_VERSION } from "./fake-host.js";

/** Resolves as `@codex/sdk` does, on the fake machine `host`: with its pin (here the fake machine's). */
const resolveRuntime = ({ host, ...options }: ResolveRuntimeOptions & { host: RuntimeHost }) =>
  resolveRuntimeOn(host, { pinnedVersion: PINNED_RUNTIME_VERSION, ...options });

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the lookup to fail");
}

describe("resolveRuntime: order of the rules", () => {
  it("uses the installed platform package when nothing overrides it", async () => {
    const host = new FakeHost();
    const dir = host.installRuntime("linux-x64");
    const runtime = await resolveRuntime({ host });
    expect(runtime).toEqual({
      codexBin: path.join(dir, "bin", "codex"),
      version: PINNED_RUNTIME_VERSION,
      source: "package",
      packageName: "@codex/cli-bin-linux-x64",
      packageDir: dir,
      pathDir: path.join(dir, "codex-path"),
      resourcesDir: path.join(dir, "codex-resources"),
    });
    // The installed package is checked through its manifests, without spawning it.
    expect(host.versionCalls).toEqual([]);
  });

  it("prefers CODEX_BIN over the package, and the codexBin option over both", async () => {
    const fromEnv = path.resolve("/opt/env/codex");
    const fromOption = path.resolve("/opt/option/codex");
    const host = new FakeHost({
      env: { CODEX_BIN: fromEnv },
      binaries: {
        [fromEnv]: `codex-cli ${PINNED_RUNTIME_VERSION}\n`,
        [fromOption]: `codex-cli ${PINNED_RUNTIME_VERSION}\n`,
      },
    });
    host.installRuntime("linux-x64");
    expect(await resolveRuntime({ host })).toMatchObject({
      codexBin: fromEnv,
      source: "CODEX_BIN",
      version: PINNED_RUNTIME_VERSION,
    });
    expect(await resolveRuntime({ host, codexBin: fromOption })).toMatchObject({
      codexBin: fromOption,
      source: "codexBin",
    });
  });

  it("asks resolveCodexBin after CODEX_BIN and before the package, and checks what it returns", async () => {
    const fromResolver = path.resolve("/opt/resolved/codex");
    const host = new FakeHost({ binaries: { [fromResolver]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` } });
    host.installRuntime("linux-x64");
    const resolveCodexBin = async () => fromResolver;
    expect(await resolveRuntime({ host, resolveCodexBin })).toMatchObject({
      codexBin: fromResolver,
      source: "resolveCodexBin",
      version: PINNED_RUNTIME_VERSION,
    });
    expect(host.versionCalls).toEqual([fromResolver]);
    const fromEnv = path.resolve("/opt/env/codex");
    const withEnv = new FakeHost({
      env: { CODEX_BIN: fromEnv },
      binaries: { [fromEnv]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` },
    });
    expect(await resolveRuntime({ host: withEnv, resolveCodexBin })).toMatchObject({ source: "CODEX_BIN" });
    const missing = await failure(
      resolveRuntime({ host: new FakeHost(), resolveCodexBin: () => path.resolve("/nowhere/codex") }),
    );
    expect(RuntimeNotFoundError.isInstance(missing)).toBe(true);
    expect(missing.message).toContain(
      `resolveCodexBin returned ${path.resolve("/nowhere/codex")}, which does not exist`,
    );
    expect(missing.message).toContain("leave resolveCodexBin unset");
  });

  it("runs `--version` once per explicit binary and caches it", async () => {
    const bin = path.resolve("/opt/codex");
    const host = new FakeHost({ binaries: { [bin]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` } });
    await resolveRuntime({ host, codexBin: bin });
    await resolveRuntime({ host, codexBin: bin });
    expect(host.versionCalls).toEqual([bin]);
  });

  it("gives an explicit binary inside a runtime layout the layout's codex-path and codex-resources", async () => {
    const host = new FakeHost({});
    const dir = host.installRuntime("linux-x64");
    const bin = path.join(dir, "bin", "codex");
    host.addBinary(bin, `codex-cli ${PINNED_RUNTIME_VERSION}`);
    const runtime = await resolveRuntime({ host, codexBin: bin });
    expect(runtime).toMatchObject({
      source: "codexBin",
      packageDir: dir,
      pathDir: path.join(dir, "codex-path"),
      resourcesDir: path.join(dir, "codex-resources"),
    });
  });

  it("without a pinned version, checks nothing and runs nothing (sdk-core alone)", async () => {
    const bin = path.resolve("/opt/codex");
    const host = new FakeHost({ cliBin: "absent", binaries: { [bin]: "codex-cli 0.1.0\n" } });
    expect(await resolveRuntimeOn(host, { codexBin: bin })).toMatchObject({
      codexBin: bin,
      source: "codexBin",
      version: undefined,
    });
    expect(host.versionCalls).toEqual([]);
  });

  it("without codexBin, CODEX_BIN or resolveCodexBin on a host with no bundled runtime, says what to pass", async () => {
    const error = await failure(resolveRuntimeOn(new FakeHost({ cliBin: "absent" })));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("No codex binary was given");
    expect(error.message).toContain("CODEX_BIN");
    expect(error.message).toContain("@codex/sdk");
  });

  it("does not fall back to anything when the explicit binary is missing", async () => {
    const host = new FakeHost({ env: { CODEX_BIN: path.resolve("/nowhere/codex") } });
    host.installRuntime("linux-x64");
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`CODEX_BIN points to ${path.resolve("/nowhere/codex")}, which does not exist`);
    expect(error.message).toContain("unset CODEX_BIN");
  });

  it("refuses an explicit path that is a directory", async () => {
    const host = new FakeHost();
    const dir = host.installRuntime("linux-x64");
    const error = await failure(resolveRuntime({ host, codexBin: dir }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("is not a file");
  });
});

describe("resolveRuntime: version check", () => {
  it("refuses an installed runtime of another version, naming both", async () => {
    const host = new FakeHost();
    host.installRuntime("linux-x64", { version: "0.170.0" });
    const error = await failure(resolveRuntime({ host }));
    expect(IncompatibleServerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ serverVersion: "0.170.0", requiredVersion: PINNED_RUNTIME_VERSION });
    expect(error.message).toContain(`pinned to codex runtime ${PINNED_RUNTIME_VERSION}`);
    expect(error.message).toContain("0.170.0");
    expectPlatformNeutralAdvice(error);
  });

  it("refuses a package whose binary layout is of another version than its manifest", async () => {
    const host = new FakeHost();
    host.installRuntime("linux-x64", { layoutVersion: "0.168.0" });
    const error = await failure(resolveRuntime({ host }));
    expect(IncompatibleServerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ serverVersion: "0.168.0" });
    expect(error.message).toContain("codex-package.json");
  });

  it("refuses an explicit binary of another version unless the check is off", async () => {
    const bin = path.resolve("/opt/codex");
    const host = new FakeHost({ binaries: { [bin]: "codex-cli 0.171.0-alpha.2\n" } });
    const error = await failure(resolveRuntime({ host, codexBin: bin }));
    expect(IncompatibleServerError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ serverVersion: "0.171.0-alpha.2", requiredVersion: PINNED_RUNTIME_VERSION });
    expect(error.message).toContain("checkRuntimeVersion: false");
    expect(await resolveRuntime({ host, codexBin: bin, checkRuntimeVersion: false })).toMatchObject({
      codexBin: bin,
      version: undefined,
    });
  });

  it("reports a binary whose --version exits non-zero as not working, with its exit code and stderr, not as an old server", async () => {
    const bin = path.resolve("/opt/codex");
    const failing = Object.assign(new Error("Command failed: /opt/codex --version"), {
      code: 3,
      stderr: "error while loading shared libraries\n",
    });
    const host = new FakeHost({ binaries: { [bin]: failing } });
    const error = await failure(resolveRuntime({ host, codexBin: bin }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(IncompatibleServerError.isInstance(error)).toBe(false);
    expect(error.message).toContain('--version" exited with code 3');
    expect(error.message).toContain("error while loading shared libraries");
    expect(error.message).toContain("not a working codex binary");
  });

  it("reports an explicit binary that cannot be executed as not found", async () => {
    const bin = path.resolve("/opt/codex");
    const host = new FakeHost({ binaries: { [bin]: Object.assign(new Error("EACCES"), { code: "EACCES" }) } });
    const error = await failure(resolveRuntime({ host, codexBin: bin }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("cannot be executed");
  });
});

describe("resolveRuntime: broken installs", () => {
  it("names the package and the command when optional dependencies were omitted", async () => {
    const host = new FakeHost();
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ packageName: "@codex/cli-bin-linux-x64" });
    expect(error.message).toContain("@codex/cli-bin-linux-x64, is not installed");
    expect(error.message).toContain("--omit=optional");
    expectPlatformNeutralAdvice(error);
  });

  it("says so when this environment omits optional dependencies", async () => {
    const host = new FakeHost({ env: { npm_config_omit: "optional" } });
    const error = await failure(resolveRuntime({ host }));
    expect(error.message).toContain("optional dependencies are omitted in this environment");
  });

  it("names the other platform's package that is installed instead", async () => {
    const host = new FakeHost();
    host.installRuntime("darwin-arm64");
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ packageName: "@codex/cli-bin-linux-x64" });
    expect(error.message).toContain("found only @codex/cli-bin-darwin-arm64 (for darwin-arm64)");
    expect(error.message).toContain("installed on another machine");
  });

  it("explains a missing @codex/cli-bin", async () => {
    const host = new FakeHost({ cliBin: false });
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain('"@codex/cli-bin", which is missing');
    expectPlatformNeutralAdvice(error);
  });

  it("explains a @codex/cli-bin that does not list this platform", async () => {
    const host = new FakeHost({
      cliBinOptionalDependencies: { "@codex/cli-bin-darwin-arm64": PINNED_RUNTIME_VERSION },
    });
    const error = await failure(resolveRuntime({ host }));
    expect(error.message).toContain("does not provide a runtime for linux-x64");
  });

  it("explains an installed package without its binary", async () => {
    const host = new FakeHost();
    host.installRuntime("linux-x64", { withBinary: false });
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("holds no codex binary");
    expect(error).toMatchObject({ packageName: "@codex/cli-bin-linux-x64" });
    expectPlatformNeutralAdvice(error);
  });

  it("explains a machine codex is not published for", async () => {
    const host = new FakeHost({ platform: "freebsd", arch: "x64" });
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("not published for freebsd-x64");
    expect(error.message).toContain("CODEX_BIN");
  });

  it("finds the Windows package and its .exe", async () => {
    const host = new FakeHost({ platform: "win32", arch: "arm64" });
    const dir = host.installRuntime("win32-arm64");
    expect((await resolveRuntime({ host })).codexBin).toBe(path.join(dir, "bin", "codex.exe"));
  });
});

/**
 * Advice must be safe to follow on any machine: never "npm install @codex/cli-bin-<this OS>",
 * which makes a one-platform package a direct dependency and breaks the next install elsewhere.
 */
function expectPlatformNeutralAdvice(error: Error): void {
  expect(error.message).not.toMatch(/npm install @codex\/cli-bin-/);
  expect(error.message).toContain("optional dependencies included");
  expect(error.message).toContain("npx codex-sdk doctor");
}

describe("runtimeEnvironment", () => {
  it("puts codex-resources last on PATH, so a system bwrap still wins over the bundled one", () => {
    expect(
      runtimeEnvironment(
        { pathDir: "/rt/codex-path", resourcesDir: "/rt/codex-resources" },
        { PATH: "/usr/bin:/bin" },
        "linux",
      ),
    ).toEqual({ PATH: "/rt/codex-path:/usr/bin:/bin:/rt/codex-resources" });
    expect(runtimeEnvironment({ pathDir: undefined, resourcesDir: "/rt/codex-resources" }, {}, "linux")).toEqual({
      PATH: "/rt/codex-resources",
    });
  });

  it("does not add a folder twice when the environment already has it", () => {
    const once = runtimeEnvironment(
      { pathDir: "/rt/codex-path", resourcesDir: "/rt/codex-resources" },
      { PATH: "/usr/bin" },
      "linux",
    );
    expect(
      runtimeEnvironment({ pathDir: "/rt/codex-path", resourcesDir: "/rt/codex-resources" }, once, "linux"),
    ).toEqual(once);
  });

  it("puts codex-path first on PATH", () => {
    expect(runtimeEnvironment({ pathDir: "/rt/codex-path" }, { PATH: "/usr/bin:/bin", HOME: "/h" }, "linux")).toEqual({
      PATH: "/rt/codex-path:/usr/bin:/bin",
      HOME: "/h",
    });
    expect(runtimeEnvironment({ pathDir: "/rt/codex-path" }, {}, "linux")).toEqual({ PATH: "/rt/codex-path" });
  });

  it("keeps Windows' own spelling of Path", () => {
    expect(runtimeEnvironment({ pathDir: "C:\\rt\\codex-path" }, { Path: "C:\\Windows" }, "win32")).toEqual({
      Path: "C:\\rt\\codex-path;C:\\Windows",
    });
  });

  it("leaves the environment alone without a codex-path", () => {
    const env = { PATH: "/usr/bin" };
    expect(runtimeEnvironment({ pathDir: undefined }, env, "linux")).toEqual(env);
  });
});
