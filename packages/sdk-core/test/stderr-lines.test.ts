// stderr lines are classified so that a harmless warning never reads as the cause of a crash.
import { describe, expect, it } from "vitest";
import { TransportClosedError } from "../src/index.js";
import { classifyStderrLine } from "../src/stderr-lines.js";

// Verbatim from codex 0.169.0 (colours removed), started without bubblewrap on PATH and with a
// CODEX_HOME under /tmp.
const BUBBLEWRAP =
  "2026-12-03T21:20:42.470806Z ERROR codex_app_server: Codex could not find bubblewrap on PATH. Install bubblewrap with your OS package manager. See the sandbox prerequisites: https://developers.openai.com/codex/concepts/sandboxing#prerequisites. Codex will use the bundled bubblewrap in the meantime.";
const PATH_ALIASES =
  'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/tmp.34euArW2yO"))';
const REAL_ERROR =
  "2026-12-03T21:20:43.000000Z ERROR codex_app_server: failed to load config.toml: invalid value for approval_policy";

describe("classifyStderrLine", () => {
  it("reads the level codex prints, WARNING included", () => {
    expect(classifyStderrLine(REAL_ERROR)).toEqual({ level: "error", harmless: false });
    expect(classifyStderrLine("2026-12-03T21:20:43Z  WARN codex_core: slow disk")).toEqual({
      level: "warn",
      harmless: false,
    });
    expect(classifyStderrLine("WARNING: something odd")).toEqual({ level: "warn", harmless: false });
    expect(classifyStderrLine("2026-12-03T21:20:43Z  INFO codex_core: ready")).toEqual({
      level: "info",
      harmless: false,
    });
  });

  it("logs the lines about things codex works around as harmless warnings, not errors", () => {
    expect(classifyStderrLine(BUBBLEWRAP)).toEqual({ level: "warn", harmless: true });
    expect(classifyStderrLine(PATH_ALIASES)).toEqual({ level: "warn", harmless: true });
  });
});

describe("TransportClosedError's message", () => {
  it("leaves harmless lines out of the message and keeps them in stderrTail", () => {
    const stderrTail = [BUBBLEWRAP, PATH_ALIASES, REAL_ERROR].join("\n");
    const error = new TransportClosedError({ exitCode: 1, stderrTail, reason: "exited unexpectedly" });
    expect(error.message).toContain(REAL_ERROR);
    expect(error.message).not.toContain("could not find bubblewrap");
    expect(error.message).not.toContain("PATH aliases");
    expect(error.message).toContain("2 harmless stderr line(s) left out");
    expect(error.stderrTail).toBe(stderrTail);
  });

  it("says the stderr does not explain the exit when it holds only harmless lines", () => {
    const error = new TransportClosedError({ exitCode: 101, stderrTail: BUBBLEWRAP });
    expect(error.message).toContain("exited with code 101");
    expect(error.message).not.toContain("could not find bubblewrap");
    expect(error.message).toContain("wrote nothing to stderr that explains it");
    expect(error.message).toContain("RUST_LOG=info");
  });
});
