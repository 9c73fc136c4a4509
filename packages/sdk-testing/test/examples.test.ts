// `@codex/sdk-testing/examples`: the self-checks, the mode the environment asks for, the frame
// an example runs in (in a child process: it sets the exit code and may exit), and the
// environment it starts `Codex` with.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { check, checkEqual, exampleEnvironment, requestedMode } from "../src/examples.js";

const source = path.resolve(import.meta.dirname, "..", "src", "examples.ts");
const tsxCli = createRequire(import.meta.url).resolve("tsx/cli");
let temp: string;

beforeAll(() => {
  temp = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-testing-examples-"));
});
afterAll(() => {
  rmSync(temp, { recursive: true, force: true });
});

describe("check and checkEqual", () => {
  it("check passes a true condition and throws a CheckFailedError with the message otherwise", () => {
    expect(() => check(1 + 1 === 2, "arithmetic")).not.toThrow();
    let thrown: unknown;
    try {
      check(false, "the answer should be 42");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).name).toBe("CheckFailedError");
    expect((thrown as Error).message).toBe("the answer should be 42");
  });

  it("checkEqual compares as JSON and says what, what was expected and what came", () => {
    expect(() => checkEqual({ a: [1, 2] }, { a: [1, 2] }, "items")).not.toThrow();
    expect(() => checkEqual(["completed"], ["failed"], "statuses")).toThrow(
      'statuses: expected ["failed"], got ["completed"]',
    );
  });
});

describe("requestedMode", () => {
  it("is offline unless CODEX_EXAMPLES_LIVE is 1, and ignores a key when offline", () => {
    expect(requestedMode({})).toEqual({ mode: "offline", apiKey: undefined });
    expect(requestedMode({ OPENAI_API_KEY: "sk-x" })).toEqual({ mode: "offline", apiKey: undefined });
    expect(requestedMode({ CODEX_EXAMPLES_LIVE: "0", OPENAI_API_KEY: "sk-x" })).toEqual({
      mode: "offline",
      apiKey: undefined,
    });
  });

  it("is live with CODEX_EXAMPLES_LIVE=1 and OPENAI_API_KEY (or CODEX_API_KEY)", () => {
    expect(requestedMode({ CODEX_EXAMPLES_LIVE: "1", OPENAI_API_KEY: "sk-openai" })).toEqual({
      mode: "live",
      apiKey: "sk-openai",
    });
    expect(requestedMode({ CODEX_EXAMPLES_LIVE: "1", CODEX_API_KEY: "sk-codex" })).toEqual({
      mode: "live",
      apiKey: "sk-codex",
    });
  });

  it("says what to set when live is asked for without a key", () => {
    expect(() => requestedMode({ CODEX_EXAMPLES_LIVE: "1" })).toThrow(
      /CODEX_EXAMPLES_LIVE=1 needs OPENAI_API_KEY .*Unset CODEX_EXAMPLES_LIVE to run offline/,
    );
  });
});

/** Runs `body` (TypeScript importing the harness as `harness`) in a child process, as an example would run. */
function runScript(
  name: string,
  body: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = path.join(temp, `${name}.mts`);
  writeFileSync(file, `import * as harness from ${JSON.stringify(pathToFileURL(source).href)};\n${body}\n`);
  // TMPDIR: tsx's cache goes into this file's directory, removed after it.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", TMPDIR: temp, ...env };
  if (env["CODEX_EXAMPLES_LIVE"] === undefined) delete childEnv["CODEX_EXAMPLES_LIVE"];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsxCli, file], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("runExample", () => {
  it("prints the checks that passed and exits 0", async () => {
    const result = await runScript(
      "passes",
      `await harness.runExample("demo", async () => { harness.check(true, "one"); harness.checkEqual(2, 2, "two"); });`,
    );
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/✔ demo: 2 checks passed \(\d+\.\d s\)/);
    expect(result.code).toBe(0);
  });

  it("reports a failed check and exits non-zero", async () => {
    const result = await runScript(
      "check-fails",
      `await harness.runExample("demo", async () => { harness.check(false, "the answer should be 42"); });`,
    );
    expect(result.stderr).toContain("✘ demo: check failed: the answer should be 42");
    expect(result.stdout).not.toContain("✔");
    expect(result.code).toBe(1);
  });

  it("reports a thrown error with its stack and exits non-zero", async () => {
    const result = await runScript(
      "throws",
      `await harness.runExample("demo", async () => { throw new Error("boom"); });`,
    );
    expect(result.stderr).toContain("✘ demo: error: boom");
    expect(result.stderr).toMatch(/Error: boom\n\s+at /);
    expect(result.code).toBe(1);
  });

  it("fails an example that outlives its time limit", async () => {
    const result = await runScript(
      "hangs",
      `await harness.runExample("demo", () => new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref()), { timeoutMs: 200 });`,
    );
    expect(result.stderr).toContain("✘ demo: error: demo did not finish within 0.2 s.");
    expect(result.code).toBe(1);
  });

  it("fails before main when live is asked for without a key", async () => {
    const result = await runScript(
      "live-without-key",
      `await harness.runExample("demo", async () => { console.log("main ran"); });`,
      {
        CODEX_EXAMPLES_LIVE: "1",
        OPENAI_API_KEY: "",
        CODEX_API_KEY: "",
      },
    );
    expect(result.stdout).not.toContain("main ran");
    expect(result.stderr).toContain("CODEX_EXAMPLES_LIVE=1 needs OPENAI_API_KEY");
    expect(result.code).toBe(1);
  });
});

describe("exampleEnvironment", () => {
  /** Runs `body` with the given variables set in this process, restoring them after. */
  async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
    const set = (values: Record<string, string | undefined>): void => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    set(vars);
    try {
      return await body();
    } finally {
      set(saved);
    }
  }

  it("offline: a fake model, a CODEX_HOME pointing at it and a work directory, all gone after dispose", async () => {
    await withEnv({ CODEX_EXAMPLES_LIVE: undefined }, async () => {
      const env = await exampleEnvironment({ announce: false });
      try {
        expect(env.mode).toBe("offline");
        expect(env.offline).toBe(true);
        expect(env.fake).toBeDefined();
        expect(env.options.codexHome).toBe(env.codexHome);
        expect(env.options.cwd).toBe(env.workDir);
        expect(env.options.env["CODEX_HOME"]).toBe(env.codexHome);
        expect(readFileSync(path.join(env.codexHome, "config.toml"), "utf8")).toContain(env.fake!.url);
        expect(existsSync(env.workDir)).toBe(true);
      } finally {
        await env.dispose();
      }
      expect(existsSync(env.codexHome)).toBe(false);
      expect(existsSync(env.workDir)).toBe(false);
      await env.dispose(); // idempotent
    });
  });

  it("live: no fake model; the home's provider reads the key from the app-server's environment", async () => {
    await withEnv(
      { CODEX_EXAMPLES_LIVE: "1", OPENAI_API_KEY: "sk-live-test", CODEX_EXAMPLES_MODEL: "gpt-test" },
      async () => {
        await using env = await exampleEnvironment({ announce: false });
        expect(env.mode).toBe("live");
        expect(env.fake).toBeUndefined();
        expect(env.options.env).toEqual({ CODEX_HOME: env.codexHome, CODEX_EXAMPLES_API_KEY: "sk-live-test" });
        const toml = readFileSync(path.join(env.codexHome, "config.toml"), "utf8");
        expect(toml).toContain('model = "gpt-test"');
        expect(toml).toContain('env_key = "CODEX_EXAMPLES_API_KEY"');
        expect(toml).not.toContain("sk-live-test");
      },
    );
  });
});
