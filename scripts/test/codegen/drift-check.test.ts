// `generate-types --check` on a temporary copy of the repository layout: clean when the copy
// matches, and stale files reported (with a non-zero exit) after one generated file and one
// schema file are edited. Exports the schema from the real pinned binary.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { resolveCodexBin } from "@codex/sdk-testing";
import {
  compareWithTree,
  formatCheckResult,
  GENERATED_DIR,
  generateFromBinary,
  isClean,
  SCHEMA_DIR,
  type GeneratedFiles,
} from "../../codegen/generator.js";
import { TRANSCRIPTS_DIR } from "../../codegen/wire-fidelity.js";

const execFileAsync = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));

let copyRoot: string;
let files: GeneratedFiles;

beforeAll(async () => {
  copyRoot = await mkdtemp(path.join(tmpdir(), "protocol-types-drift-"));
  await cp(path.join(repositoryRoot, "package.json"), path.join(copyRoot, "package.json"));
  await cp(path.join(repositoryRoot, SCHEMA_DIR), path.join(copyRoot, SCHEMA_DIR), { recursive: true });
  await cp(path.join(repositoryRoot, GENERATED_DIR), path.join(copyRoot, GENERATED_DIR), { recursive: true });
  // The changelog's "Schema vs wire" section is computed from the recorded transcripts.
  await cp(path.join(repositoryRoot, TRANSCRIPTS_DIR), path.join(copyRoot, TRANSCRIPTS_DIR), { recursive: true });
  files = await generateFromBinary(copyRoot, resolveCodexBin(repositoryRoot));
}, 120_000);

afterAll(async () => {
  if (copyRoot) await rm(copyRoot, { recursive: true, force: true });
});

test("fails with a clear message when the binary is not the pinned version", async () => {
  const otherRoot = await mkdtemp(path.join(tmpdir(), "protocol-types-pin-"));
  try {
    await writeFile(path.join(otherRoot, "package.json"), JSON.stringify({ codexRuntimeVersion: "0.0.1" }));
    await expect(generateFromBinary(otherRoot, resolveCodexBin(repositoryRoot))).rejects.toThrow(
      /is version \d+\.\d+\.\d+\S*, but package\.json pins codexRuntimeVersion 0\.0\.1/,
    );
  } finally {
    await rm(otherRoot, { recursive: true, force: true });
  }
});

describe("generate-types --check", () => {
  test("the committed files are what the pinned binary and the generator produce", async () => {
    const result = await compareWithTree(copyRoot, files);
    expect(formatCheckResult(result)).toBe("Generated types and schema are up to date.");
    expect(isClean(result)).toBe(true);
  });

  test("regenerating is byte-identical", async () => {
    const again = await generateFromBinary(copyRoot, resolveCodexBin(repositoryRoot));
    expect([...again.keys()]).toEqual([...files.keys()]);
    for (const [file, content] of again) expect(content === files.get(file), file).toBe(true);
  }, 120_000);

  test("reports an edited generated file, an edited schema file, a missing and an extra file", async () => {
    const typesFile = path.join(copyRoot, GENERATED_DIR, "types.gen.ts");
    const schemaFile = path.join(copyRoot, SCHEMA_DIR, "experimental", "codex_app_server_protocol.schemas.json");
    const reportFile = path.join(copyRoot, GENERATED_DIR, "report.json");
    const extraFile = path.join(copyRoot, GENERATED_DIR, "leftover.gen.ts");
    const originals = await Promise.all([
      readFile(typesFile, "utf8"),
      readFile(schemaFile, "utf8"),
      readFile(reportFile, "utf8"),
    ]);
    try {
      await writeFile(
        typesFile,
        originals[0].replace(
          "export interface ThreadStartResponse {",
          "export interface ThreadStartResponse {\n  edited: true;",
        ),
      );
      await writeFile(schemaFile, originals[1].replace('"description"', '"description_"'));
      await rm(reportFile);
      await writeFile(extraFile, "export {};\n");

      const result = await compareWithTree(copyRoot, files);
      expect(result).toEqual({
        stale: [
          `${GENERATED_DIR}/types.gen.ts`,
          `${SCHEMA_DIR}/experimental/codex_app_server_protocol.schemas.json`,
        ].sort(),
        missing: [`${GENERATED_DIR}/report.json`],
        extra: [`${GENERATED_DIR}/leftover.gen.ts`],
      });

      // The CLI on the same tree: exit code 1 and a summary naming each file and the fix.
      const run = await execFileAsync(
        process.execPath,
        ["--import", "tsx", "scripts/generate-types.ts", "--check", "--root", copyRoot],
        {
          cwd: repositoryRoot,
          timeout: 120_000,
        },
      ).then(
        () => ({ code: 0, stdout: "" }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? "" }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`changed: ${GENERATED_DIR}/types.gen.ts`);
      expect(run.stdout).toContain(`changed: ${SCHEMA_DIR}/experimental/codex_app_server_protocol.schemas.json`);
      expect(run.stdout).toContain(`missing: ${GENERATED_DIR}/report.json`);
      expect(run.stdout).toContain(`not generated (would be deleted): ${GENERATED_DIR}/leftover.gen.ts`);
      expect(run.stdout).toContain('Run "pnpm generate-types"');
    } finally {
      await writeFile(typesFile, originals[0]);
      await writeFile(schemaFile, originals[1]);
      await writeFile(reportFile, originals[2]);
      await rm(extraFile, { force: true });
    }
  }, 120_000);
});
