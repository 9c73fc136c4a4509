// `pnpm generate-types [--check]`
//
// Exports the app-server JSON Schema from the pinned codex binary into schema/, and generates
// packages/protocol-types/src/generated/ from it (types, method maps, a resolution report).
// With --check nothing is written: the schema is exported again, everything is regenerated in
// memory, and the command fails when a committed file differs.
//
// The binary is CODEX_BIN if set, else the `@openai/codex` development dependency; its version
// must equal the root package.json's `codexRuntimeVersion`.
import path from "node:path";
import { resolveCodexBin } from "../packages/sdk-testing/src/codex-bin.js";
import { compareWithTree, formatCheckResult, generateFromBinary, isClean, writeToTree } from "./codegen/generator.js";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--check");
if (unknown.length > 0) {
  console.error(`Unknown argument(s): ${unknown.join(" ")}\nUsage: pnpm generate-types [--check]`);
  process.exit(2);
}
const check = args.includes("--check");
const rootDir = path.resolve(import.meta.dirname, "..");

try {
  const files = await generateFromBinary(rootDir, resolveCodexBin(rootDir));
  if (check) {
    const result = await compareWithTree(rootDir, files);
    console.log(formatCheckResult(result));
    process.exitCode = isClean(result) ? 0 : 1;
  } else {
    const before = await writeToTree(rootDir, files);
    const changed = [...before.stale, ...before.missing, ...before.extra];
    console.log(changed.length === 0 ? `generate-types: ${files.size} files, all unchanged.` : `generate-types: updated ${changed.join(", ")}`);
  }
} catch (error) {
  console.error(`generate-types failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
