// `pnpm docs:api`: generates the API reference in docs/api/ (Markdown) from the JSDoc of the
// public entry points, `@codex/sdk` (which re-exports all of `@codex/sdk-core`) and
// `@codex/sdk-testing` with its subpath `@codex/sdk-testing/examples`, read from their sources (see
// docs/typedoc.json and docs/tsconfig.json).
// The output is committed; regenerate it after changing a public export or its comment.
//
//   pnpm docs:api            regenerate docs/api/
//   pnpm docs:api --check    fail if docs/api/ is not what the sources generate
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Application, Converter, ReflectionKind } from "typedoc";

const root = path.resolve(import.meta.dirname, "..");
const docs = path.join(root, "docs");
const committed = path.join(docs, "api");
const check = process.argv.includes("--check");

/** Module names as users import them, instead of TypeDoc's folder-derived "sdk/src". */
const MODULE_NAMES: Record<string, string> = {
  "sdk/src": "@codex/sdk",
  "sdk/src/rpc": "@codex/sdk/rpc",
  "sdk/src/otel": "@codex/sdk/otel",
  "sdk-testing/src": "@codex/sdk-testing",
  "sdk-testing/src/examples": "@codex/sdk-testing/examples",
};

async function generate(out: string): Promise<void> {
  const app = await Application.bootstrapWithPlugins({
    options: path.join(docs, "typedoc.json"),
    out,
    name: "Codex TypeScript SDK",
    logLevel: check ? "Warn" : "Info",
  });
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      module.name = MODULE_NAMES[module.name] ?? module.name;
    }
  });
  const project = await app.convert();
  if (!project) throw new Error("TypeDoc could not convert the project (see the errors above).");
  await app.generateOutputs(project);
  if (app.logger.hasErrors()) throw new Error("TypeDoc reported errors.");
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files.sort();
}

if (!check) {
  await rm(committed, { recursive: true, force: true });
  await generate(committed);
} else {
  const scratch = await mkdtemp(path.join(os.tmpdir(), "codex-api-docs-"));
  try {
    await generate(scratch);
    const [expected, actual] = await Promise.all([listFiles(scratch), listFiles(committed).catch((): string[] => [])]);
    const stale = new Set([
      ...expected.filter((file) => !actual.includes(file)),
      ...actual.filter((file) => !expected.includes(file)),
    ]);
    for (const file of expected) {
      if (stale.has(file)) continue;
      const [a, b] = await Promise.all([
        readFile(path.join(scratch, file), "utf8"),
        readFile(path.join(committed, file), "utf8"),
      ]);
      if (a !== b) stale.add(file);
    }
    if (stale.size > 0) {
      console.error(
        `docs/api is out of date (${stale.size} file(s), e.g. ${[...stale].slice(0, 5).join(", ")}). Run: pnpm docs:api`,
      );
      process.exitCode = 1;
    } else {
      console.log(`docs/api is up to date (${expected.length} files).`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
