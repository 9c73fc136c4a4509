// Bench 5: codegen — the time of `generate-types`, and the type-check time a consumer pays for
// importing `@codex/sdk` (against an empty program and against importing `@openai/codex-sdk`).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { Baselines } from "../baselines.js";
import type { BenchEnvironment } from "../environment.js";
import { contender, medianRatio, type BenchOptions, type BenchResult } from "../result.js";
import { now, rotate } from "../stats.js";

const benchDir = path.resolve(import.meta.dirname, "..", "..");
const rootDir = path.resolve(benchDir, "..");

interface Command {
  name: string;
  label: string;
  argv: string[];
  cwd: string;
}

function timeCommand(command: Command): { ms: number; status: number | null; output: string } {
  const t0 = now();
  const run = spawnSync(command.argv[0]!, command.argv.slice(1), {
    cwd: command.cwd,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  return { ms: now() - t0, status: run.status, output: `${run.stdout ?? ""}${run.stderr ?? ""}`.slice(-3000) };
}

function interleave(commands: Command[], rounds: number): { samples: Record<string, number[]>; failures: string[] } {
  const samples: Record<string, number[]> = Object.fromEntries(commands.map((c) => [c.name, []]));
  const failures: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const command of rotate(commands, round)) {
      const run = timeCommand(command);
      samples[command.name]!.push(run.ms);
      if (run.status !== 0 && round === 0)
        failures.push(`${command.name} exited ${run.status}: ${run.output.trim().split("\n").slice(-5).join(" | ")}`);
    }
  }
  return { samples, failures };
}

/** A throwaway consumer project that imports the packages through node_modules symlinks, as after an install. */
function makeConsumer(baselines: Baselines): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-bench-consumer-"));
  const modules = path.join(dir, "node_modules");
  mkdirSync(path.join(modules, "@codex"), { recursive: true });
  mkdirSync(path.join(modules, "@openai"), { recursive: true });
  mkdirSync(path.join(modules, "@types"), { recursive: true });
  const requireFromRoot = createRequire(path.join(rootDir, "package.json"));
  symlinkSync(path.join(rootDir, "packages", "sdk"), path.join(modules, "@codex", "sdk"), "dir");
  symlinkSync(baselines.openaiSdkDir, path.join(modules, "@openai", "codex-sdk"), "dir");
  symlinkSync(
    path.dirname(realpathSync(requireFromRoot.resolve("@types/node/package.json"))),
    path.join(modules, "@types", "node"),
    "dir",
  );
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const compilerOptions = {
    target: "es2022",
    lib: ["es2023", "esnext.disposable"],
    module: "nodenext",
    moduleResolution: "nodenext",
    types: ["node"],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  };
  const programs: Record<string, string> = {
    empty: `export const answer: number = 42;\n`,
    sdk: [
      `import { Codex } from "@codex/sdk";`,
      `await using codex = await Codex.start({});`,
      `const thread = await codex.threadStart({});`,
      `const result = await thread.run("hi");`,
      `console.log(result.text);`,
      ``,
    ].join("\n"),
    openai: [
      `import { Codex } from "@openai/codex-sdk";`,
      `const codex = new Codex({});`,
      `const thread = codex.startThread({});`,
      `const result = await thread.run("hi");`,
      `console.log(result.finalResponse);`,
      ``,
    ].join("\n"),
  };
  for (const [name, source] of Object.entries(programs)) writeFileSync(path.join(dir, `${name}.ts`), source);
  for (const skipLibCheck of [false, true]) {
    for (const name of Object.keys(programs)) {
      // @openai/codex-sdk's .d.ts imports `@modelcontextprotocol/sdk`, which it does not depend on:
      // with skipLibCheck: false its consumers get TS2307 unless they install that package too.
      if (name === "openai" && !skipLibCheck) continue;
      const config = { compilerOptions: { ...compilerOptions, skipLibCheck }, files: [`${name}.ts`] };
      writeFileSync(
        path.join(dir, `tsconfig.${name}${skipLibCheck ? ".skiplib" : ""}.json`),
        JSON.stringify(config, null, 2),
      );
    }
  }
  return dir;
}

/** Runs the codegen bench. */
export async function codegenBench(
  env: BenchEnvironment,
  baselines: Baselines,
  options: BenchOptions,
): Promise<BenchResult> {
  const started = now();
  const rounds = options.quick ? 1 : 3;
  const notes: string[] = [];
  const schemaOut = mkdtempSync(path.join(os.tmpdir(), "codex-bench-schema-"));
  const tsOut = mkdtempSync(path.join(os.tmpdir(), "codex-bench-generate-ts-"));
  const consumer = makeConsumer(baselines);
  try {
    const node = process.execPath;
    const tsx = ["--import", "tsx"];
    const generators: Command[] = [
      {
        name: "generate-types",
        label: "`generate-types --check` (schema export + generate in memory + compare)",
        argv: [node, ...tsx, path.join(rootDir, "scripts", "generate-types.ts"), "--check"],
        cwd: rootDir,
      },
      {
        name: "schema-export",
        label: "`codex app-server generate-json-schema` alone (floor)",
        argv: [env.codexBin, "app-server", "generate-json-schema", "--out", schemaOut],
        cwd: rootDir,
      },
      {
        name: "codex-generate-ts",
        label: "`codex app-server generate-ts` (codex's own TS bindings)",
        argv: [env.codexBin, "app-server", "generate-ts", "--out", tsOut],
        cwd: rootDir,
      },
    ];
    const tsc5 = path.join(rootDir, "node_modules", "typescript", "bin", "tsc");
    const tsc7 = path.join(rootDir, "node_modules", "typescript-7", "bin", "tsc");
    const typeChecks: Command[] = [];
    const programLabels: Record<string, string> = {
      empty: "empty program",
      sdk: "import @codex/sdk",
      openai: "import @openai/codex-sdk",
    };
    for (const [compiler, bin] of [
      ["tsc5.9", tsc5],
      ["tsc7", tsc7],
    ] as const) {
      if (!existsSync(bin)) continue;
      for (const skipLibCheck of [false, true]) {
        for (const program of ["empty", "sdk", "openai"]) {
          if (program === "openai" && !skipLibCheck) continue;
          const suffix = skipLibCheck ? ".skiplib" : "";
          typeChecks.push({
            name: `${compiler}${suffix}:${program}`,
            label: `${compiler === "tsc7" ? "tsc 7 (native)" : "tsc 5.9"}, skipLibCheck ${skipLibCheck}: ${programLabels[program]}`,
            argv: [node, bin, "-p", `tsconfig.${program}${suffix}.json`],
            cwd: consumer,
          });
        }
      }
    }
    const hasGenerator = existsSync(path.join(rootDir, "scripts", "generate-types.ts"));
    const runnable = hasGenerator ? generators : generators.slice(1);
    options.log(`codegen: ${rounds} rounds of ${runnable.length + typeChecks.length} commands`);
    const generated = interleave(runnable, rounds);
    const checked = interleave(typeChecks, rounds);
    notes.push(...generated.failures, ...checked.failures);
    const all = { ...generated.samples, ...checked.samples };
    const result: BenchResult = {
      id: "codegen",
      title: "Codegen and consumer type-check",
      unit: "ms",
      higherIsBetter: false,
      method:
        `Wall time of each command as a fresh process (${rounds} interleaved rounds). Type-check: a throwaway consumer ` +
        `project (strict, nodenext, @types/node) whose one file imports the package and runs a turn, with skipLibCheck ` +
        `false (every .d.ts checked, @types/node included) and true (the usual setting); the empty program is the floor, so the ` +
        `cost of the import is the difference. @openai/codex-sdk only type-checks with skipLibCheck: true (its .d.ts imports ` +
        `@modelcontextprotocol/sdk, which it does not depend on).`,
      contenders: [...runnable, ...typeChecks].map((c) => contender(c.name, c.label, all[c.name]!)),
      ratios: [],
      notes,
      durationMs: now() - started,
    };
    if (hasGenerator) {
      result.ratios.push({
        label: "generate-types / codex generate-ts",
        value: medianRatio(result, "generate-types", "codex-generate-ts"),
      });
    } else {
      notes.push("scripts/generate-types.ts does not exist yet: not timed.");
    }
    const median = (name: string) => result.contenders.find((c) => c.name === name)?.summary.median ?? Number.NaN;
    for (const compiler of ["tsc5.9", "tsc7"]) {
      for (const suffix of ["", ".skiplib"]) {
        const key = `${compiler}${suffix}`;
        if (!all[`${key}:sdk`]) continue;
        const cost = median(`${key}:sdk`) - median(`${key}:empty`);
        notes.push(
          `${compiler}, skipLibCheck ${suffix !== ""}: importing @codex/sdk adds ${cost.toFixed(0)} ms to an empty program (median).`,
        );
        result.ratios.push({
          label: `${compiler}, skipLibCheck ${suffix !== ""}: import @codex/sdk / empty program`,
          value: medianRatio(result, `${key}:sdk`, `${key}:empty`),
        });
        if (all[`${key}:openai`]) {
          result.ratios.push({
            label: `${compiler}, skipLibCheck ${suffix !== ""}: import @codex/sdk / import @openai/codex-sdk`,
            value: medianRatio(result, `${key}:sdk`, `${key}:openai`),
          });
        }
      }
    }
    return result;
  } finally {
    rmSync(schemaOut, { recursive: true, force: true });
    rmSync(tsOut, { recursive: true, force: true });
    rmSync(consumer, { recursive: true, force: true });
  }
}
