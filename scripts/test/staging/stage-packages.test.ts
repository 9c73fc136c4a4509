import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StageError } from "../../staging/stage-error.js";
import {
  publishableDependencies,
  stageCliBin,
  stageJsPackage,
  stageRuntime,
  stageSdk,
  type PackageManifest,
} from "../../staging/stage-packages.js";
import { RUNTIME_PLATFORMS } from "@codex/sdk-core/internal";
import { PINNED_RUNTIME_VERSION } from "@codex/sdk";

const repoRoot = path.resolve(import.meta.dirname, "../../..");

let temp: string;
beforeEach(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-stage-test-"));
});
afterEach(() => {
  rmSync(temp, { recursive: true, force: true });
});

function readJson(file: string): PackageManifest {
  return JSON.parse(readFileSync(file, "utf8")) as PackageManifest;
}

/** The first bytes of a 64-bit little-endian ELF executable for x86-64 or aarch64. */
function elfBinary(cpu: "x64" | "arm64"): Buffer {
  const header = Buffer.alloc(128);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2;
  header[5] = 1;
  header.writeUInt16LE(cpu === "x64" ? 0x3e : 0xb7, 18);
  return header;
}

/** A runtime layout like codex's own `vendor/<target>/`. */
function fakeLayout(dir: string, options: { version?: string; target?: string; cpu?: "x64" | "arm64" } = {}): string {
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  mkdirSync(path.join(dir, "codex-path"));
  mkdirSync(path.join(dir, "codex-resources"));
  writeFileSync(path.join(dir, "bin", "codex"), elfBinary(options.cpu ?? "x64"));
  writeFileSync(path.join(dir, "bin", "codex-code-mode-host"), elfBinary(options.cpu ?? "x64"));
  writeFileSync(path.join(dir, "codex-path", "rg"), "rg");
  chmodSync(path.join(dir, "codex-path", "rg"), 0o644);
  writeFileSync(path.join(dir, "codex-resources", "bwrap"), "bwrap");
  writeFileSync(
    path.join(dir, "codex-package.json"),
    JSON.stringify({
      layoutVersion: 1,
      version: options.version ?? "0.169.0",
      target: options.target ?? "x86_64-unknown-linux-musl",
      entrypoint: "bin/codex",
      resourcesDir: "codex-resources",
      pathDir: "codex-path",
    }),
  );
  return dir;
}

/** A repository with just the files stageJsPackage/stageSdk read. */
function fixtureRepo(pinned = "0.169.0"): string {
  const root = path.join(temp, "repo");
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write(
    "packages/sdk-core/package.json",
    JSON.stringify({
      name: "@codex/sdk-core",
      version: "0.0.0-dev",
      files: ["dist", "README.md"],
      scripts: { build: "x" },
      dependencies: { "@codex/protocol-types": "workspace:*", "left-pad": "^1.3.0" },
      devDependencies: { "@codex/sdk-testing": "workspace:*" },
    }),
  );
  write("packages/sdk-core/dist/index.js", "export {};\n");
  write("packages/sdk-core/src/index.ts", "export {};\n");
  write(
    "packages/sdk/package.json",
    JSON.stringify({
      name: "@codex/sdk",
      version: "0.0.0-dev",
      files: ["dist"],
      dependencies: { "@codex/sdk-core": "workspace:*", "@codex/cli-bin": `workspace:${pinned}` },
    }),
  );
  write("packages/sdk/dist/index.js", "export {};\n");
  return root;
}

describe("stageJsPackage", () => {
  it("writes the built files and a publishable manifest with exact versions", async () => {
    const root = fixtureRepo();
    const stagingDir = path.join(temp, "out", "sdk-core");
    const staged = await stageJsPackage({ repoRoot: root, package: "sdk-core", stagingDir, sdkVersion: "1.2.3" });
    expect(staged.files.map((file) => file.path)).toEqual(["dist/index.js", "package.json"]);
    const manifest = readJson(path.join(stagingDir, "package.json"));
    expect(manifest.version).toBe("1.2.3");
    expect(manifest.dependencies).toEqual({ "@codex/protocol-types": "1.2.3", "left-pad": "^1.3.0" });
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(existsSync(path.join(stagingDir, "src"))).toBe(false);
  });

  it("wipes what an earlier run left in the staging directory", async () => {
    const root = fixtureRepo();
    const stagingDir = path.join(temp, "out");
    await stageJsPackage({ repoRoot: root, package: "sdk-core", stagingDir, sdkVersion: "1.2.3" });
    writeFileSync(path.join(stagingDir, "dist", "stale.js"), "");
    await stageJsPackage({ repoRoot: root, package: "sdk-core", stagingDir, sdkVersion: "1.2.3" });
    expect(existsSync(path.join(stagingDir, "dist", "stale.js"))).toBe(false);
  });

  it("refuses an unbuilt package and a staging directory inside its sources", async () => {
    const root = fixtureRepo();
    rmSync(path.join(root, "packages/sdk-core/dist"), { recursive: true });
    await expect(
      stageJsPackage({ repoRoot: root, package: "sdk-core", stagingDir: path.join(temp, "out"), sdkVersion: "1.2.3" }),
    ).rejects.toThrow(/"dist".*does not exist.*Build the package first/);
    await expect(
      stageJsPackage({
        repoRoot: root,
        package: "sdk-core",
        stagingDir: path.join(root, "packages/sdk-core/staged"),
        sdkVersion: "1.2.3",
      }),
    ).rejects.toThrow(/overlaps the @codex\/sdk-core sources/);
  });
});

describe("publishableDependencies", () => {
  it("refuses ranges that cannot be published and pins that disagree", () => {
    const base = { name: "@codex/x", version: "0.0.0" };
    expect(() =>
      publishableDependencies({ ...base, dependencies: { foo: "link:../foo" } }, { sdkVersion: "1.0.0" }),
    ).toThrow(/cannot be published/);
    expect(() =>
      publishableDependencies({ ...base, dependencies: { "@codex/cli-bin": "0.1.0" } }, { runtimeVersion: "0.2.0" }),
    ).toThrow(/stages @codex\/cli-bin@0\.2\.0/);
    expect(() =>
      publishableDependencies({ ...base, dependencies: { "@codex/cli-bin": "workspace:*" } }, { sdkVersion: "1.0.0" }),
    ).toThrow(/needs --runtime-version/);
  });
});

describe("stageSdk", () => {
  it("pins the metapackage to exact sdk-core and cli-bin versions", async () => {
    const root = fixtureRepo();
    const stagingDir = path.join(temp, "out", "sdk");
    await stageSdk({ repoRoot: root, stagingDir, sdkVersion: "1.2.3", runtimeVersion: "0.169.0" });
    expect(readJson(path.join(stagingDir, "package.json")).dependencies).toEqual({
      "@codex/sdk-core": "1.2.3",
      "@codex/cli-bin": "0.169.0",
    });
  });

  it("refuses a runtime version other than the one compiled into the SDK", async () => {
    const root = fixtureRepo("0.169.0");
    await expect(
      stageSdk({ repoRoot: root, stagingDir: path.join(temp, "out"), sdkVersion: "1.2.3", runtimeVersion: "0.170.0" }),
    ).rejects.toThrow(/--runtime-version 0\.170\.0 differs from the runtime @codex\/sdk is built for, 0\.169\.0/);
  });
});

describe("stageCliBin (the repository's manifest)", () => {
  it("depends on every platform package at exactly the runtime version", async () => {
    const stagingDir = path.join(temp, "cli-bin");
    const staged = await stageCliBin({ repoRoot, stagingDir, runtimeVersion: "2.0.0-alpha.1" });
    const manifest = readJson(path.join(stagingDir, "package.json"));
    expect(manifest.version).toBe("2.0.0-alpha.1");
    expect(manifest.optionalDependencies).toEqual(
      Object.fromEntries(RUNTIME_PLATFORMS.map((p) => [p.packageName, "2.0.0-alpha.1"])),
    );
    expect(staged.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(["index.cjs", "index.d.ts", "package.json"]),
    );
  });
});

describe("the repository's runtime manifests", () => {
  it("describe every platform of the table, manifest-only, at the pinned version", () => {
    for (const platform of RUNTIME_PLATFORMS) {
      const dir = path.join(repoRoot, "packages", platform.packageName.replace("@codex/", ""));
      const manifest = readJson(path.join(dir, "package.json"));
      expect(manifest).toMatchObject({
        name: platform.packageName,
        version: PINNED_RUNTIME_VERSION,
        os: [platform.os],
        cpu: [platform.cpu],
      });
      expect(manifest.libc).toBeUndefined();
      expect(manifest.files).toEqual(["bin", "codex-path", "codex-resources", "codex-package.json", "README.md"]);
      expect(existsSync(path.join(dir, "bin"))).toBe(false);
    }
  });
});

describe("stageRuntime", () => {
  it("stages a runtime layout as the platform package, from the binary's path", async () => {
    const layout = fakeLayout(path.join(temp, "vendor", "x86_64-unknown-linux-musl"));
    const stagingDir = path.join(temp, "out");
    const staged = await stageRuntime({
      repoRoot,
      stagingDir,
      source: path.join(layout, "bin", "codex"),
      runtimeVersion: "0.169.0",
    });
    expect(staged.name).toBe("@codex/cli-bin-linux-x64");
    expect(staged.files.map((file) => file.path)).toEqual([
      "README.md",
      "bin/codex",
      "bin/codex-code-mode-host",
      "codex-package.json",
      "codex-path/rg",
      "codex-resources/bwrap",
      "package.json",
    ]);
    expect(readJson(path.join(stagingDir, "package.json"))).toMatchObject({
      name: "@codex/cli-bin-linux-x64",
      version: "0.169.0",
      os: ["linux"],
    });
    if (process.platform !== "win32")
      expect(statSync(path.join(stagingDir, "codex-path", "rg")).mode & 0o111).toBe(0o111);
  });

  it("finds the layout inside codex's own npm platform package", async () => {
    const packageDir = path.join(temp, "openai-codex-linux-arm64");
    fakeLayout(path.join(packageDir, "vendor", "aarch64-unknown-linux-musl"), {
      target: "aarch64-unknown-linux-musl",
      cpu: "arm64",
    });
    writeFileSync(
      path.join(packageDir, "package.json"),
      JSON.stringify({ name: "@openai/codex", version: "0.169.0-linux-arm64" }),
    );
    const staged = await stageRuntime({
      repoRoot,
      stagingDir: path.join(temp, "out"),
      source: packageDir,
      runtimeVersion: "0.169.0",
    });
    expect(staged.name).toBe("@codex/cli-bin-linux-arm64");
  });

  it("refuses a binary of another version, naming both", async () => {
    const layout = fakeLayout(path.join(temp, "layout"), { version: "0.168.0" });
    await expect(
      stageRuntime({ repoRoot, stagingDir: path.join(temp, "out"), source: layout, runtimeVersion: "0.169.0" }),
    ).rejects.toThrow(/--runtime-version 0\.169\.0 does not match the binary, which is codex 0\.168\.0/);
  });

  it("refuses a runtime that is not platform-specific", async () => {
    const script = path.join(temp, "codex.js");
    writeFileSync(script, "#!/usr/bin/env node\n");
    await expect(
      stageRuntime({
        repoRoot,
        stagingDir: path.join(temp, "out"),
        source: script,
        runtimeVersion: "0.169.0",
        platform: "linux-x64",
      }),
    ).rejects.toThrow(/ships only as platform packages/);
    const fat = path.join(temp, "codex-universal");
    writeFileSync(fat, Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]));
    await expect(
      stageRuntime({ repoRoot, stagingDir: path.join(temp, "out"), source: fat, runtimeVersion: "0.169.0" }),
    ).rejects.toThrow(/universal/);
  });

  it("refuses a --platform the binary contradicts", async () => {
    const layout = fakeLayout(path.join(temp, "layout"));
    await expect(
      stageRuntime({
        repoRoot,
        stagingDir: path.join(temp, "out"),
        source: layout,
        runtimeVersion: "0.169.0",
        platform: "darwin-arm64",
      }),
    ).rejects.toThrow(/--platform darwin-arm64 does not match the binary, which is a ELF executable for linux-x64/);
    await expect(
      stageRuntime({
        repoRoot,
        stagingDir: path.join(temp, "out"),
        source: layout,
        runtimeVersion: "0.169.0",
        platform: "solaris-sparc",
      }),
    ).rejects.toThrow(StageError);
  });

  it("stages a lone binary with a generated codex-package.json, checking its version when it can run", async () => {
    const binary = path.join(temp, "codex");
    writeFileSync(binary, elfBinary("arm64"));
    const runs: string[] = [];
    const staged = await stageRuntime({
      repoRoot,
      stagingDir: path.join(temp, "out"),
      source: binary,
      runtimeVersion: "0.169.0",
      runVersion: (file) => {
        runs.push(file);
        return "codex-cli 0.169.0\n";
      },
    });
    expect(staged.name).toBe("@codex/cli-bin-linux-arm64");
    expect(readJson(path.join(staged.dir, "codex-package.json"))).toMatchObject({
      version: "0.169.0",
      target: "aarch64-unknown-linux-musl",
      entrypoint: "bin/codex",
    });
    expect(staged.notes.join("\n")).toContain("lone binary");
    // Only a binary for this machine is run.
    expect(runs).toEqual(process.platform === "linux" && process.arch === "arm64" ? [binary] : []);
    await expect(
      stageRuntime({
        repoRoot,
        stagingDir: temp,
        source: binary,
        runtimeVersion: "0.169.0",
        runVersion: () => "codex-cli 0.169.0",
      }),
    ).rejects.toThrow(/overlaps the codex binary/);
  });
});
