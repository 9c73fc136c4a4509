// How a line the app-server writes to stderr reads. codex logs through `tracing`, which prints
// the level (ERROR, WARN, ...) in the line; a few lines, printed at ERROR or WARNING, describe
// something codex recovers from on its own. Those are "harmless": logged as warnings, and left
// out of a TransportClosedError's message, where they would read like the reason for a crash.

/** The level a stderr line is logged at. */
export type StderrLineLevel = "error" | "warn" | "info";

/** What a stderr line says about the server's health. */
export interface StderrLineClass {
  readonly level: StderrLineLevel;
  /** True for a known line about something codex works around itself. */
  readonly harmless: boolean;
}

const HARMLESS: readonly RegExp[] = [
  // No system bubblewrap: codex uses the copy it ships (the SDK puts it on PATH, so this shows
  // only with a runtime outside a package layout).
  /could not find bubblewrap on PATH.*bundled bubblewrap/i,
  // codex refuses to create its helper links under a temporary CODEX_HOME, and proceeds.
  /could not create PATH aliases/i,
];

const ERROR = /\bERROR\b/;
const WARN = /\bWARN(?:ING)?\b/;

/** Classifies one stderr line (ANSI colours already removed). */
export function classifyStderrLine(line: string): StderrLineClass {
  const harmless = HARMLESS.some((pattern) => pattern.test(line));
  if (harmless) return { level: "warn", harmless };
  if (ERROR.test(line)) return { level: "error", harmless };
  if (WARN.test(line)) return { level: "warn", harmless };
  return { level: "info", harmless };
}
