// A logger for tests that records every call, to assert what the SDK logged.

/** A logger whose calls land in `entries`. */
export function recordingLogger(): {
  logger: Record<"debug" | "info" | "warn" | "error", (message: string) => void>;
  entries: { level: string; message: string }[];
} {
  const entries: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => {
    entries.push({ level, message });
  };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, entries };
}
