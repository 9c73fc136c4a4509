// `pnpm generate-types [--check] [--root DIR]`
//
// Exports the app-server JSON Schema from the pinned codex binary into schema/, and generates
// packages/protocol-types/src/generated/ from it (types, method maps, a resolution report) and
// the protocol changelog schema/CHANGES.md (what changed against the schema it replaces).
// With --check nothing is written: the schema is exported again, everything is regenerated in
// memory, and the command exits with 1 when a committed file differs.
//
// The binary is CODEX_BIN if set, else the `@openai/codex` development dependency; its version
// must equal the root package.json's `codexRuntimeVersion`. --root points the generator at
// another copy of the repository layout (the tests use it on a temporary copy).
import path from "node:path";
import { parseArgs } from "node:util";
import { resolveCodexBin } from "../packages/sdk-testing/src/codex-bin.js";
import {
  compareWithTree,
  formatCheckResult,
  GENERATED_DIR,
  generateFromBinary,
  isClean,
  writeToTree,
} from "./codegen/generator.js";

const repositoryRoot = path.resolve(import.meta.dirname, "..");

let options: { check: boolean; root: string };
try {
  const { values } = parseArgs({
    options: { check: { type: "boolean", default: false }, root: { type: "string" } },
    strict: true,
  });
  options = { check: values.check, root: path.resolve(values.root ?? repositoryRoot) };
} catch (error) {
  console.error(
    `${error instanceof Error ? error.message : String(error)}\nUsage: pnpm generate-types [--check] [--root DIR]`,
  );
  process.exit(2);
}

try {
  const files = await generateFromBinary(options.root, resolveCodexBin(repositoryRoot));
  const report = JSON.parse(files.get(`${GENERATED_DIR}/experimental/report.json`) ?? "{}") as {
    schemaHoles?: string[];
  };
  if (report.schemaHoles?.length) {
    console.log(
      `generate-types: the schema defines no result for ${report.schemaHoles.join(", ")}: typed unknown (see schema/CHANGES.md).`,
    );
  }
  if (options.check) {
    const result = await compareWithTree(options.root, files);
    console.log(formatCheckResult(result));
    process.exitCode = isClean(result) ? 0 : 1;
  } else {
    const before = await writeToTree(options.root, files);
    const changed = [...before.stale, ...before.missing, ...before.extra];
    console.log(
      changed.length === 0
        ? `generate-types: ${files.size} files, all unchanged.`
        : `generate-types: updated ${changed.join(", ")}`,
    );
  }
} catch (error) {
  console.error(`generate-types failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
