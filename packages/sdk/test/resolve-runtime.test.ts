import path from "node:path";
import { IncompatibleServerError, RuntimeNotFoundError } from "@codex/sdk-core";
import { describe, expect, it } from "vitest";
import { resolveRuntime, runtimeEnvironment } from "../src/runtime/resolve-runtime.js";
import { PINNED_RUNTIME_VERSION } from "../src/runtime-version.js";
import { FakeHost } from "./support/fake-host.js";

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
    });
    // The installed package is checked through its manifests, without spawning it.
    expect(host.versionCalls).toEqual([]);
  });

  it("prefers CODEX_BIN over the package, and the codexBin option over both", async () => {
    const fromEnv = path.resolve("/opt/env/codex");
    const fromOption = path.resolve("/opt/option/codex");
    const host = new FakeHost({
      env: { CODEX_BIN: fromEnv },
      binaries: { [fromEnv]: `codex-cli ${PINNED_RUNTIME_VERSION}\n`, [fromOption]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` },
    });
    host.installRuntime("linux-x64");
    expect(await resolveRuntime({ host })).toMatchObject({ codexBin: fromEnv, source: "CODEX_BIN", version: PINNED_RUNTIME_VERSION });
    expect(await resolveRuntime({ host, codexBin: fromOption })).toMatchObject({ codexBin: fromOption, source: "codexBin" });
  });

  it("asks resolveCodexBin after CODEX_BIN and before the package, and checks what it returns", async () => {
    const fromResolver = path.resolve("/opt/resolved/codex");
    const host = new FakeHost({ binaries: { [fromResolver]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` } });
    host.installRuntime("linux-x64");
    const resolveCodexBin = async () => fromResolver;
    expect(await resolveRuntime({ host, resolveCodexBin })).toMatchObject({ codexBin: fromResolver, source: "resolveCodexBin", version: PINNED_RUNTIME_VERSION });
    expect(host.versionCalls).toEqual([fromResolver]);
    const fromEnv = path.resolve("/opt/env/codex");
    const withEnv = new FakeHost({ env: { CODEX_BIN: fromEnv }, binaries: { [fromEnv]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` } });
    expect(await resolveRuntime({ host: withEnv, resolveCodexBin })).toMatchObject({ source: "CODEX_BIN" });
    const missing = await failure(resolveRuntime({ host: new FakeHost(), resolveCodexBin: () => path.resolve("/nowhere/codex") }));
    expect(RuntimeNotFoundError.isInstance(missing)).toBe(true);
    expect(missing.message).toContain(`resolveCodexBin returned ${path.resolve("/nowhere/codex")}, which does not exist`);
    expect(missing.message).toContain("leave resolveCodexBin unset");
  });

  it("runs `--version` once per explicit binary and caches it", async () => {
    const bin = path.resolve("/opt/codex");
    const host = new FakeHost({ binaries: { [bin]: `codex-cli ${PINNED_RUNTIME_VERSION}\n` } });
    await resolveRuntime({ host, codexBin: bin });
    await resolveRuntime({ host, codexBin: bin });
    expect(host.versionCalls).toEqual([bin]);
  });

  it("gives an explicit binary inside a runtime layout the layout's codex-path", async () => {
    const host = new FakeHost({});
    const dir = host.installRuntime("linux-x64");
    const bin = path.join(dir, "bin", "codex");
    host.addBinary(bin, `codex-cli ${PINNED_RUNTIME_VERSION}`);
    const runtime = await resolveRuntime({ host, codexBin: bin });
    expect(runtime).toMatchObject({ source: "codexBin", packageDir: dir, pathDir: path.join(dir, "codex-path") });
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
    expect(error.message).toContain(`npm install @codex/cli-bin-linux-x64@${PINNED_RUNTIME_VERSION}`);
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
    expect(await resolveRuntime({ host, codexBin: bin, checkRuntimeVersion: false })).toMatchObject({ codexBin: bin, version: undefined });
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
    expect(error.message).toContain(`"npm install @codex/cli-bin-linux-x64@${PINNED_RUNTIME_VERSION}"`);
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

  it("refuses a package built for the other C library", async () => {
    const host = new FakeHost({ libc: "musl" });
    host.installRuntime("linux-x64", { libc: ["glibc"] });
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain("built for glibc, but this machine uses musl");
  });

  it("runs the static Linux runtime on musl and glibc alike", async () => {
    for (const libc of ["musl", "glibc"] as const) {
      const host = new FakeHost({ libc });
      host.installRuntime("linux-x64");
      expect((await resolveRuntime({ host })).packageName).toBe("@codex/cli-bin-linux-x64");
    }
  });

  it("explains a missing @codex/cli-bin", async () => {
    const host = new FakeHost({ cliBin: false });
    const error = await failure(resolveRuntime({ host }));
    expect(RuntimeNotFoundError.isInstance(error)).toBe(true);
    expect(error.message).toContain('"@codex/cli-bin", which is missing');
    expect(error.message).toContain(`npm install @codex/cli-bin@${PINNED_RUNTIME_VERSION} @codex/cli-bin-linux-x64@${PINNED_RUNTIME_VERSION}`);
  });

  it("explains a @codex/cli-bin that does not list this platform", async () => {
    const host = new FakeHost({ cliBinOptionalDependencies: { "@codex/cli-bin-darwin-arm64": PINNED_RUNTIME_VERSION } });
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
    expect(host.libcCalls).toBe(0);
  });

  it("does not read the C library when no candidate package depends on it", async () => {
    const host = new FakeHost({ platform: "linux", arch: "arm64" });
    host.installRuntime("linux-arm64");
    await resolveRuntime({ host });
    expect(host.libcCalls).toBe(0);
  });
});

describe("runtimeEnvironment", () => {
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
