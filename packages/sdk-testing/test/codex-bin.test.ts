// resolveCodexBin(): CODEX_BIN, else the runtime installed with @codex/sdk, else @openai/codex;
// and when there is none, advice an end user can follow.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installedRuntimeBin, resolveCodexBin } from "../src/codex-bin.js";

const packageRoot = path.resolve(import.meta.dirname, "..");
const platformPackage = `@codex/cli-bin-${process.platform}-${process.arch}`;
let temp: string;
let savedCodexBin: string | undefined;

beforeAll(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-testing-bin-"));
  savedCodexBin = process.env["CODEX_BIN"];
  delete process.env["CODEX_BIN"];
});
afterAll(() => {
  if (savedCodexBin !== undefined) process.env["CODEX_BIN"] = savedCodexBin;
  rmSync(temp, { recursive: true, force: true });
});

function writePackage(dir: string, manifest: object): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest));
}

describe("resolveCodexBin", () => {
  it("finds the runtime installed with @codex/sdk, each package resolved from the one that depends on it", () => {
    // pnpm's layout: the project sees only @codex/sdk; cli-bin and the platform package are nested.
    const project = path.join(temp, "project");
    const sdk = path.join(project, "node_modules", "@codex", "sdk");
    const cliBin = path.join(sdk, "node_modules", "@codex", "cli-bin");
    const runtime = path.join(cliBin, "node_modules", platformPackage);
    writePackage(sdk, { name: "@codex/sdk", version: "1.0.0" });
    writePackage(cliBin, { name: "@codex/cli-bin", version: "1.0.0" });
    writePackage(runtime, { name: platformPackage, version: "1.0.0" });
    writeFileSync(
      path.join(runtime, "codex-package.json"),
      JSON.stringify({ layoutVersion: 1, entrypoint: "bin/codex" }),
    );
    mkdirSync(path.join(runtime, "bin"));
    writeFileSync(path.join(runtime, "bin", "codex"), "");
    expect(resolveCodexBin(project)).toBe(path.join(runtime, "bin", "codex"));
    expect(installedRuntimeBin(project)).toBe(path.join(runtime, "bin", "codex"));
  });

  it("installedRuntimeBin() ignores @openai/codex: only the runtime Codex.start() finds itself counts", () => {
    const project = path.join(temp, "openai-only");
    const openai = path.join(project, "node_modules", "@openai", "codex");
    const platformDir = path.join(openai, "node_modules", "@openai", `codex-${process.platform}-${process.arch}`);
    const layout = path.join(platformDir, "vendor", "target");
    writePackage(openai, { name: "@openai/codex", version: "1.0.0" });
    writePackage(platformDir, { name: `@openai/codex-${process.platform}-${process.arch}`, version: "1.0.0" });
    mkdirSync(path.join(layout, "bin"), { recursive: true });
    writeFileSync(
      path.join(layout, "codex-package.json"),
      JSON.stringify({ layoutVersion: 1, entrypoint: "bin/codex" }),
    );
    writeFileSync(path.join(layout, "bin", "codex"), "");
    expect(resolveCodexBin(project)).toBe(path.join(layout, "bin", "codex"));
    expect(installedRuntimeBin(project)).toBeUndefined();
  });

  it("prefers CODEX_BIN, and names it when it points nowhere", () => {
    process.env["CODEX_BIN"] = path.join(temp, "missing-codex");
    try {
      expect(() => resolveCodexBin(temp)).toThrow(/CODEX_BIN points to .*missing-codex, which does not exist/);
    } finally {
      delete process.env["CODEX_BIN"];
    }
  });

  it("without any runtime, tells an end user what to install, not to run pnpm at a repository root", () => {
    const empty = path.join(temp, "empty");
    mkdirSync(empty);
    // A child without NODE_PATH (which pnpm points at this repository's modules) and CODEX_BIN.
    const env = { ...process.env };
    delete env["NODE_PATH"];
    delete env["CODEX_BIN"];
    // tsx keeps a cache in the temporary directory: inside this test's, so it goes with it.
    env["TMPDIR"] = path.join(temp, "child-tmp");
    mkdirSync(env["TMPDIR"]);
    const script = `import { resolveCodexBin } from ${JSON.stringify(path.join(packageRoot, "src", "codex-bin.ts"))};
try { console.log("found " + resolveCodexBin(${JSON.stringify(empty)})); } catch (error) { console.log(error.message); }`;
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: packageRoot,
      env,
      encoding: "utf8",
    });
    expect(output).toContain("Cannot find a codex binary");
    expect(output).toContain("@codex/sdk");
    expect(output).toContain("optional dependencies");
    expect(output).toContain("CODEX_BIN");
    expect(output).not.toContain("repository root");
  });
});
