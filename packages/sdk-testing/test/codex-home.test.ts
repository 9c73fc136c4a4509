// The throwaway CODEX_HOME: what config.toml says, what the env carries, and that it goes away.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  createCodexHome,
  createTestEnvironment,
  QUIET_APP_SERVER_ARGS,
  renderConfigToml,
  tomlString,
} from "../src/codex-home.js";
import { tracked } from "./support/leak-check.js";
import { isPortOpen } from "./support/processes.js";

describe("createCodexHome", () => {
  it("writes a config.toml pointing codex at the fake with retries off and a short idle timeout", async () => {
    const home = await createCodexHome({ baseUrl: "http://127.0.0.1:4321/v1" });
    tracked.dirs.add(home.codexHome);
    try {
      const toml = readFileSync(path.join(home.codexHome, "config.toml"), "utf8");
      expect(toml).toBe(home.configToml);
      for (const line of [
        'model = "fake-model"',
        'model_provider = "fake"',
        'approval_policy = "never"',
        'sandbox_mode = "read-only"',
        "[model_providers.fake]",
        'base_url = "http://127.0.0.1:4321/v1"',
        'wire_api = "responses"',
        'env_key = "FAKE_OPENAI_API_KEY"',
        "request_max_retries = 0",
        "stream_max_retries = 0",
        "stream_idle_timeout_ms = 1000",
        "[features]",
        "plugins = false",
        "shell_snapshot = false",
      ]) {
        expect(toml.split("\n")).toContain(line);
      }
      expect(statSync(path.join(home.codexHome, "config.toml")).mode & 0o777).toBe(0o600);
      expect(home.env).toEqual({
        CODEX_HOME: home.codexHome,
        FAKE_OPENAI_API_KEY: "sk-fake-model",
        TMPDIR: path.join(home.codexHome, "tmp"),
      });
      expect(existsSync(home.env["TMPDIR"]!)).toBe(true);
      expect(home.appServerArgs).toEqual(["--disable", "plugins", "--disable", "apps", "--disable", "remote_plugin"]);
      expect(home.appServerArgs).toBe(QUIET_APP_SERVER_ARGS);
    } finally {
      await home.dispose();
    }
    expect(existsSync(home.codexHome)).toBe(false);
    // Idempotent.
    await home.dispose();
  });

  it("honours the options", () => {
    const toml = renderConfigToml({
      fakeModel: { url: "http://127.0.0.1:1/v1" },
      model: "gpt-5.5",
      envKey: "MY_KEY",
      streamIdleTimeoutMs: 250,
      requestMaxRetries: 2,
      streamMaxRetries: 1,
      approvalPolicy: "on-request",
      sandboxMode: "workspace-write",
      quiet: false,
      shellSnapshot: true,
      extraToml: "[tui]\nanimations = false",
    });
    expect(toml).toContain('model = "gpt-5.5"\n');
    expect(toml).toContain('env_key = "MY_KEY"\n');
    expect(toml).toContain("stream_idle_timeout_ms = 250\n");
    expect(toml).toContain("request_max_retries = 2\n");
    expect(toml).toContain("stream_max_retries = 1\n");
    expect(toml).toContain('approval_policy = "on-request"\n');
    expect(toml).toContain('sandbox_mode = "workspace-write"\n');
    expect(toml).not.toContain("[features]");
    expect(toml.endsWith("[tui]\nanimations = false\n")).toBe(true);
  });

  it("rejects bad options", () => {
    expect(() => renderConfigToml({})).toThrow("give `fakeModel` or `baseUrl`");
    expect(() => renderConfigToml({ baseUrl: "x", envKey: "A-B" })).toThrow("not a variable name");
    expect(() => renderConfigToml({ baseUrl: "x", streamIdleTimeoutMs: 1.5 })).toThrow(RangeError);
  });

  it("quotes TOML strings", () => {
    expect(tomlString('a "b" \\ c\n\t\u0001\u007f é')).toBe('"a \\"b\\" \\\\ c\\n\\t\\u0001\\u007f é"');
  });

  it("puts the env key's value and extra env in env, and can leave TMPDIR alone", async () => {
    await using home = await createCodexHome({
      baseUrl: "x",
      envKey: "K",
      apiKey: "v",
      env: { RUST_LOG: "warn" },
      isolateTmpDir: false,
    });
    tracked.dirs.add(home.codexHome);
    expect(home.env).toEqual({ RUST_LOG: "warn", CODEX_HOME: home.codexHome, K: "v" });
  });
});

describe("createTestEnvironment", () => {
  it("links a fake model that checks the key to a home, and disposes both", async () => {
    const env = await createTestEnvironment({ streamIdleTimeoutMs: 500 });
    tracked.ports.add(env.fakeModel.port);
    tracked.dirs.add(env.codexHome);
    expect(env.configToml).toContain(`base_url = "${env.fakeModel.url}"`);
    expect(env.configToml).toContain("stream_idle_timeout_ms = 500");
    const denied = await fetch(`${env.fakeModel.url}/responses`, { method: "POST", body: "{}" });
    expect(denied.status).toBe(401);
    const allowed = await fetch(`${env.fakeModel.url}/responses`, {
      method: "POST",
      body: "{}",
      headers: { authorization: `Bearer ${env.env["FAKE_OPENAI_API_KEY"]}` },
    });
    expect(allowed.status).toBe(200);
    await allowed.text();
    await env[Symbol.asyncDispose]();
    expect(existsSync(env.codexHome)).toBe(false);
    expect(await isPortOpen(env.fakeModel.port)).toBe(false);
  });

  it("spreads into CodexOptions-shaped objects", async () => {
    await using env = await createTestEnvironment();
    tracked.ports.add(env.fakeModel.port);
    tracked.dirs.add(env.codexHome);
    const options: { codexHome?: string; env?: Record<string, string> } = { ...env };
    expect(options.codexHome).toBe(env.codexHome);
    expect(options.env?.["CODEX_HOME"]).toBe(env.codexHome);
  });
});
