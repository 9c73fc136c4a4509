// A stand-in for an old codex app-server: answers `initialize` with the user agent of codex
// 0.100.0 and ignores everything else. Used by main.ts to show IncompatibleServerError.
import { createInterface } from "node:readline";

for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (message.method !== "initialize") continue;
  const result = {
    userAgent: `${message.params.clientInfo.name}/0.100.0 (stand-in)`,
    codexHome: "",
    platformFamily: "unix",
    platformOs: process.platform,
  };
  process.stdout.write(`${JSON.stringify({ id: message.id, result })}\n`);
}
