import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compareVersions, parseServerName, parseServerVersion } from "../../src/api/version.js";
import { DEFAULT_CLIENT_INFO } from "../../src/api/codex-options.js";
import { GENERATED_FOR_CODEX_VERSION, IncompatibleServerError, SDK_VERSION } from "../../src/index.js";
import { startScripted } from "../support/scripted-server.js";

describe("parseServerVersion", () => {
  test.each([
    ["codex_sdk_ts/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_sdk_ts; 0.169.0)", "0.169.0"],
    ["my app/1.2.3-alpha.4 (Mac OS 15.0; arm64)", "1.2.3-alpha.4"],
    ["x/0.170.0", "0.170.0"],
    ["no version here", null],
    ["name/not-a-version (x)", null],
  ])("%s → %s", (userAgent, expected) => {
    expect(parseServerVersion(userAgent)).toBe(expected);
  });

  // What the real server sends for clientInfo.name "my/app" and "a b/c d" (measured on 0.169.0).
  test.each([
    ["my/app/0.169.0 (Debian 12.0.0; x86_64) xterm (my/app; 1.0.0)", "my/app", "0.169.0"],
    ["a b/c d/0.169.0 (Debian 12.0.0; x86_64) xterm (a b/c d; 1.0.0)", "a b/c d", "0.169.0"],
    ["/0.169.0 (Debian 12.0.0; x86_64) xterm (; 1.0.0)", "", "0.169.0"],
  ])("a client name with '/' or spaces: %s (name %j)", (userAgent, clientName, expected) => {
    expect(parseServerVersion(userAgent, clientName)).toBe(expected);
    expect(parseServerVersion(userAgent)).toBe(expected);
  });
});

describe("Codex.start() version check", () => {
  test("refuses an old server even when the client's name contains '/'", { timeout: 10_000 }, async () => {
    const error = await startScripted(
      (server) => {
        server.userAgent = "my/app/0.100.0 (Scripted; test) scripted (my/app; 1.0.0)";
      },
      { clientInfo: { name: "my/app", version: "1.0.0" } },
    ).then(
      async (started) => {
        await started.codex.close();
        return started.codex.metadata.serverVersion;
      },
      (caught: unknown) => caught,
    );
    expect(IncompatibleServerError.isInstance(error)).toBe(true);
    expect((error as IncompatibleServerError).serverVersion).toBe("0.100.0");
  });
});

describe("parseServerName", () => {
  test.each([
    ["codex_sdk_ts/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_sdk_ts; 0.169.0)", undefined, "codex_sdk_ts"],
    ["codex/0.171.0 (Mac OS 15.1.0; arm64)", undefined, "codex"],
    ["my/app/0.169.0 (Linux; x86_64)", "my/app", "my/app"],
    ["my app/0.169.0", "my app", "my app"],
    ["my app/0.169.0", undefined, "my app"],
    ["no version here", undefined, null],
    ["/0.169.0 (Linux)", undefined, null],
  ])("%s → %s", (userAgent, clientName, expected) => {
    expect(parseServerName(userAgent, clientName)).toBe(expected);
  });
});

describe("compareVersions", () => {
  test.each([
    ["0.169.0", "0.169.0", 0],
    ["0.100.0", "0.169.0", -1],
    ["0.170.0", "0.169.0", 1],
    ["1.0.0", "0.999.999", 1],
    ["0.169.0-alpha.1", "0.169.0", -1],
    ["0.169.0", "0.169.0-alpha.1", 1],
    ["0.169.0-alpha.2", "0.169.0-alpha.10", -1],
    ["0.169.0-alpha", "0.169.0-beta", -1],
    ["0.169.0-1", "0.169.0-alpha", -1],
    ["garbage", "0.169.0", 0],
  ])("%s vs %s → %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  test("the generated-for version is a plain release", () => {
    expect(GENERATED_FOR_CODEX_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("where the versions come from", () => {
  const readJson = (relative: string) =>
    JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as Record<string, unknown>;

  test("the SDK version is this package's manifest version, and the default clientInfo.version", () => {
    expect(SDK_VERSION).toBe(readJson("../../package.json")["version"]);
    expect(DEFAULT_CLIENT_INFO.version).toBe(SDK_VERSION);
  });

  test("the protocol version is the pinned runtime's (generated into @codex/protocol-types)", () => {
    expect(GENERATED_FOR_CODEX_VERSION).toBe(readJson("../../../../package.json")["codexRuntimeVersion"]);
  });
});
