// Release rehearsal: what a user gets from `npm install @codex/sdk`, before anything is
// published. Stages every package for this platform with the staging command (the runtime from
// the pinned codex binary), packs each with `npm pack`, installs the tarballs with plain npm into
// a fresh project outside the repository (offline: every @codex package comes from a tarball),
// then there:
//   1. an ESM script and a CommonJS script each start `Codex` without codexBin and complete a
//      turn against the fake model (the ESM one also through the examples' harness,
//      `@codex/sdk-testing/examples`; the CommonJS one loads that subpath's CommonJS build);
//   2. a TypeScript consumer type-checks with skipLibCheck: false (module nodenext), and a
//      probe with a misspelt protocol field fails to type-check in every resolution mode a
//      consumer uses (node10, node16, nodenext, bundler; ESM and CommonJS), so no mode silently
//      turns the protocol types into `any`;
//   3. the runtime matrix: one consumer program (runtime-check.mjs: an approval, a streamed turn,
//      an abort, a structured-output turn, a turn over Codex.connect() to a ws:// app-server) under
//      Node 20 (this machine's), Node 22, Node 24, Bun and Deno, each pinned and installed from npm
//      into a cache that survives between runs
//      (rehearsal/runtime-matrix.ts); a runtime that cannot be installed is skipped, visibly;
//   4. `npx codex-sdk doctor` (the packed bin) exits 0, without touching CODEX_HOME;
//   5. with the platform package removed, Codex.start() rejects with RuntimeNotFoundError
//      naming the missing package, and `npx codex-sdk doctor` exits 1 naming it.
// The other platforms' packages are packed as manifest-only tarballs, so npm resolves
// @codex/cli-bin's optional dependencies offline exactly as it would from the registry, and
// must skip them by their os/cpu fields.
//
//   pnpm run release-rehearsal [--keep]     (--keep leaves the temporary directory for inspection)
import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { resolveCodexBin } from "../packages/sdk-testing/src/codex-bin.js";
import { RUNTIME_PLATFORMS, type RuntimePlatform } from "../packages/sdk-core/src/process/runtime-platforms.js";
import { formatSize } from "./staging/describe.js";
import {
  MATRIX_RUNTIMES,
  resolveMatrixRuntimes,
  runtimeCacheDir,
  runtimeCommand,
  scenarioLines,
} from "./rehearsal/runtime-matrix.js";
import { readManifest, runtimeManifestDir } from "./staging/stage-packages.js";

const repoRoot = path.resolve(import.meta.dirname, "..");
const fixtures = path.join(import.meta.dirname, "rehearsal");
const execFileAsync = promisify(execFile);
const keep = process.argv.includes("--keep");

const runtimeVersion: string = JSON.parse(
  readFileSync(path.join(repoRoot, "package.json"), "utf8"),
).codexRuntimeVersion;
const sdkVersion = readManifest(path.join(repoRoot, "packages/sdk")).version;
const platform = hostPlatform();

function hostPlatform(): RuntimePlatform {
  const found = RUNTIME_PLATFORMS.find(
    (candidate) => candidate.os === process.platform && candidate.cpu === process.arch,
  );
  if (found === undefined) {
    console.error(`release rehearsal: codex publishes no runtime for ${process.platform}-${process.arch}.`);
    process.exit(1);
  }
  return found;
}

/**
 * The environment for npm and the consumer scripts, as a user's shell would have it: without
 * what `pnpm run` exports (npm_config_*, npm_package_*, ...), which changes how npm behaves;
 * without NODE_PATH, which pnpm points at the repository's modules, so a package missing from the
 * project would silently be found there; and without CODEX_BIN, which would hide the installed
 * runtime.
 */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|INIT_CWD$|CODEX_BIN$|NODE_OPTIONS$|NODE_PATH$)/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

interface StepResult {
  name: string;
  ok: boolean;
  /** Not run, for the reason in `detail`: counted neither as passed nor as failed. */
  skipped?: boolean;
  seconds: number;
  detail: string;
}
const results: StepResult[] = [];

/** Thrown by a step's action when it cannot run here: the step is reported as skipped, with the reason. */
class StepSkipped extends Error {}

async function step(name: string, action: () => Promise<string> | string): Promise<boolean> {
  const started = Date.now();
  process.stdout.write(`── ${name}\n`);
  try {
    const detail = await action();
    results.push({ name, ok: true, seconds: (Date.now() - started) / 1000, detail });
    if (detail) console.log(`   ${detail.split("\n").join("\n   ")}`);
    return true;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof StepSkipped) {
      results.push({ name, ok: true, skipped: true, seconds: (Date.now() - started) / 1000, detail });
      console.log(`   SKIPPED: ${detail}`);
      return true;
    }
    results.push({ name, ok: false, seconds: (Date.now() - started) / 1000, detail });
    console.log(`   FAILED: ${detail.split("\n").join("\n   ")}`);
    return false;
  }
}

/** Runs a command; resolves with its stdout, rejects with its output when it fails. */
async function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    const output = [failure.stdout, failure.stderr].filter(Boolean).join("\n").trim();
    const exit = typeof failure.code === "number" ? ` (exit code ${failure.code})` : "";
    throw new Error(
      `${command} ${args.join(" ")} failed${exit}: ${failure.message.split("\n")[0]}${output ? `\n${output.slice(-4000)}` : ""}`,
    );
  }
}

const temp = mkdtempSync(path.join(os.tmpdir(), "codex-release-rehearsal-"));
const stageDir = path.join(temp, "stage");
const tarballDir = path.join(temp, "tarballs");
const projectDir = path.join(temp, "consumer");
mkdirSync(tarballDir);
const env = cleanEnvironment();
const tarballs = new Map<string, string>();
const started = Date.now();
console.log(
  `release rehearsal: @codex/sdk ${sdkVersion}, codex runtime ${runtimeVersion}, platform ${platform.id}, in ${temp}`,
);

try {
  await main();
} finally {
  if (keep) console.log(`\nkept ${temp}`);
  else rmSync(temp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

const failed = results.filter((result) => !result.ok);
const skipped = results.filter((result) => result.skipped);
console.log(`\nrelease rehearsal summary (${((Date.now() - started) / 1000).toFixed(1)} s):`);
for (const result of results) {
  const mark = result.skipped ? "skip" : result.ok ? "ok  " : "FAIL";
  console.log(
    `  ${mark}  ${result.name} (${result.seconds.toFixed(1)} s)${result.skipped ? `: ${result.detail}` : ""}`,
  );
}
console.log(
  `${results.length - failed.length - skipped.length} passed, ${failed.length} failed${skipped.length > 0 ? `, ${skipped.length} skipped` : ""}`,
);
process.exit(failed.length === 0 ? 0 : 1);

async function main(): Promise<void> {
  // The matrix's runtimes download while the packages build and pack; resolving never rejects.
  const cacheDir = runtimeCacheDir(repoRoot);
  const runtimesReady = resolveMatrixRuntimes(cacheDir, env);
  const releaseTag = `rust-v${runtimeVersion}`;
  const stage = (subcommand: string, dir: string, ...args: string[]) => {
    // The staging command itself, as a maintainer runs it; dist/ is built once above.
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(repoRoot, "scripts/stage.ts"),
        subcommand,
        path.join(stageDir, dir),
        ...args,
        "--release-tag",
        releaseTag,
        "--skip-build",
        "--skip-generate-types",
      ],
      { cwd: repoRoot, encoding: "utf8", env: process.env },
    );
    if (result.status !== 0) throw new Error(`stage ${subcommand} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout.split("\n")[0] ?? "";
  };

  if (
    !(await step("build the packages (turbo)", () =>
      run(
        "pnpm",
        [
          "exec",
          "turbo",
          "run",
          "build",
          "--filter=@codex/sdk...",
          "--filter=@codex/sdk-testing...",
          "--output-logs=errors-only",
        ],
        {
          cwd: repoRoot,
          timeoutMs: 300_000,
        },
      ).then(() => "built @codex/protocol-types, @codex/sdk-core, @codex/sdk, @codex/sdk-testing"),
    ))
  ) {
    return;
  }

  const staged = await step("stage every package for this platform", () => {
    const codexBin = resolveCodexBin(repoRoot);
    const lines = [
      stage("stage-protocol-types", "protocol-types", "--sdk-version", sdkVersion),
      stage("stage-sdk-core", "sdk-core", "--sdk-version", sdkVersion),
      stage("stage-sdk", "sdk", "--sdk-version", sdkVersion, "--runtime-version", runtimeVersion),
      stage("stage-sdk-testing", "sdk-testing", "--sdk-version", sdkVersion),
      stage("stage-cli-bin", "cli-bin", "--runtime-version", runtimeVersion),
      stage(
        "stage-runtime",
        `cli-bin-${platform.id}`,
        codexBin,
        "--runtime-version",
        runtimeVersion,
        "--platform",
        platform.id,
      ),
    ];
    // Manifest-only stand-ins for the other platforms' packages, which npm must resolve and skip.
    for (const other of RUNTIME_PLATFORMS.filter((candidate) => candidate !== platform)) {
      const dir = path.join(stageDir, "other-platforms", other.id);
      mkdirSync(dir, { recursive: true });
      const manifest = readManifest(runtimeManifestDir(repoRoot, other.packageName));
      writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ ...manifest, version: runtimeVersion, files: [] }, null, 2),
      );
    }
    lines.push(`manifest-only stand-ins for ${RUNTIME_PLATFORMS.length - 1} other platforms`);
    return lines.join("\n");
  });
  if (!staged) return;

  const packed = await step("npm pack every staged package", async () => {
    const dirs = [
      ...["protocol-types", "sdk-core", "sdk", "sdk-testing", "cli-bin", `cli-bin-${platform.id}`].map((dir) =>
        path.join(stageDir, dir),
      ),
      ...RUNTIME_PLATFORMS.filter((candidate) => candidate !== platform).map((other) =>
        path.join(stageDir, "other-platforms", other.id),
      ),
    ];
    const packs = await Promise.all(
      dirs.map(async (dir) => {
        const output = await run("npm", ["pack", dir, "--pack-destination", tarballDir, "--json"], {
          cwd: temp,
          env,
          timeoutMs: 300_000,
        });
        const [info] = JSON.parse(output) as { name: string; filename: string; size: number; unpackedSize: number }[];
        tarballs.set(info!.name, path.join(tarballDir, info!.filename));
        return `${info!.filename} (${formatSize(info!.size)}, unpacked ${formatSize(info!.unpackedSize)})`;
      }),
    );
    // Third-party dependencies of the staged packages (ws) are packed from the repository's
    // install, so the offline install below finds them as it finds the @codex tarballs.
    const thirdParty = new Map<string, string>();
    for (const dir of ["protocol-types", "sdk-core", "sdk", "sdk-testing"]) {
      for (const dependency of Object.keys(readManifest(path.join(stageDir, dir)).dependencies ?? {})) {
        if (!dependency.startsWith("@codex/"))
          thirdParty.set(dependency, realpathSync(path.join(repoRoot, "packages", dir, "node_modules", dependency)));
      }
    }
    for (const [name, dir] of thirdParty) {
      const output = await run("npm", ["pack", dir, "--pack-destination", tarballDir, "--json"], {
        cwd: temp,
        env,
        timeoutMs: 300_000,
      });
      const [info] = JSON.parse(output) as { filename: string; size: number }[];
      tarballs.set(name, path.join(tarballDir, info!.filename));
      packs.push(`${info!.filename} (${formatSize(info!.size)}, a dependency, from the repository's install)`);
    }
    return packs.join("\n");
  });
  if (!packed) return;

  const installed = await step("npm install the tarballs into a fresh project outside the repository", async () => {
    mkdirSync(projectDir);
    if (projectDir.startsWith(repoRoot + path.sep)) throw new Error(`${projectDir} is inside the repository`);
    const spec = (name: string) => `file:${path.relative(projectDir, tarballs.get(name)!)}`;
    writeFileSync(
      path.join(projectDir, "package.json"),
      `${JSON.stringify(
        {
          name: "codex-sdk-rehearsal-consumer",
          version: "1.0.0",
          private: true,
          dependencies: { "@codex/sdk": spec("@codex/sdk"), "@codex/sdk-testing": spec("@codex/sdk-testing") },
          // Every @codex package (and each third-party dependency) resolves to its tarball,
          // wherever it sits in the tree.
          overrides: Object.fromEntries([...tarballs.keys()].map((name) => [name, spec(name)])),
        },
        null,
        2,
      )}\n`,
    );
    for (const file of [
      "esm-check.mjs",
      "cjs-check.cjs",
      "missing-runtime-check.mjs",
      "runtime-check.mjs",
      "consumer.mts",
      "consumer.cts",
    ]) {
      cpSync(path.join(fixtures, file), path.join(projectDir, file));
    }
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund"], { cwd: projectDir, env, timeoutMs: 300_000 });
    const present = (name: string) => existsSync(path.join(projectDir, "node_modules", name, "package.json"));
    const missing = [
      "@codex/sdk",
      "@codex/sdk-core",
      "@codex/protocol-types",
      "@codex/cli-bin",
      platform.packageName,
      "@codex/sdk-testing",
    ].filter((name) => !present(name));
    if (missing.length > 0) throw new Error(`not installed: ${missing.join(", ")}`);
    const wrongPlatform = RUNTIME_PLATFORMS.filter(
      (candidate) => candidate !== platform && present(candidate.packageName),
    );
    if (wrongPlatform.length > 0)
      throw new Error(`npm installed other platforms' packages: ${wrongPlatform.map((p) => p.packageName).join(", ")}`);
    return `installed in ${projectDir}: @codex/sdk, @codex/sdk-core, @codex/protocol-types, @codex/cli-bin, ${platform.packageName}, @codex/sdk-testing (other platforms skipped by os/cpu)`;
  });
  if (!installed) return;

  await step("ESM script: Codex.start() without codexBin completes a turn", () =>
    run(process.execPath, ["esm-check.mjs"], { cwd: projectDir, env, timeoutMs: 120_000 }),
  );
  await step("CommonJS script: Codex.start() without codexBin completes a turn", () =>
    run(process.execPath, ["cjs-check.cjs"], { cwd: projectDir, env, timeoutMs: 120_000 }),
  );
  const resolvedRuntimes = await runtimesReady;
  for (const [index, runtime] of MATRIX_RUNTIMES.entries()) {
    const resolved = resolvedRuntimes[index]!;
    await step(
      `runtime ${runtime.label}: approval, stream, abort, structured output, websocket, optional OpenTelemetry peer`,
      async () => {
        if (!resolved.ok) throw new StepSkipped(resolved.reason);
        const command = runtimeCommand(runtime, resolved, "runtime-check.mjs", cacheDir, env);
        const output = await run(command.command, command.args, {
          cwd: projectDir,
          env: command.env,
          timeoutMs: 120_000,
        });
        const installed =
          resolved.installed === "now"
            ? "installed now"
            : resolved.installed === "cached"
              ? "from the cache"
              : "this machine's";
        return [
          `${resolved.version} (${installed}: ${resolved.installed === "machine" ? resolved.binary : path.relative(repoRoot, resolved.binary)})`,
          ...scenarioLines(output),
        ].join("\n");
      },
    );
  }
  await step("TypeScript consumer type-checks (skipLibCheck: false, module nodenext)", async () => {
    writeFileSync(
      path.join(projectDir, "tsconfig.json"),
      `${JSON.stringify(
        {
          compilerOptions: {
            target: "es2022",
            module: "nodenext",
            moduleResolution: "nodenext",
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            types: ["node"],
            // @types/node from the repository: the rehearsal installs nothing from the registry.
            typeRoots: [path.join(repoRoot, "node_modules", "@types")],
          },
          files: ["consumer.mts", "consumer.cts"],
        },
        null,
        2,
      )}\n`,
    );
    const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const version = await run(process.execPath, [tsc, "--version"], { cwd: projectDir, env });
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: projectDir, env, timeoutMs: 300_000 });
    return `${version}: consumer.mts (ESM, .d.ts) and consumer.cts (CommonJS, .d.cts) have no errors`;
  });
  await step(
    "TypeScript resolution matrix: the protocol types survive node10, node16, nodenext and bundler (ESM and CommonJS)",
    async () => {
      const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");
      const matrix: { name: string; module: string; moduleResolution: string; files: string[] }[] = [
        { name: "node10-commonjs", module: "commonjs", moduleResolution: "node10", files: ["probe.ts"] },
        { name: "node16", module: "node16", moduleResolution: "node16", files: ["probe.mts", "probe.cts"] },
        { name: "nodenext", module: "nodenext", moduleResolution: "nodenext", files: ["probe.mts", "probe.cts"] },
        { name: "bundler", module: "esnext", moduleResolution: "bundler", files: ["probe.ts"] },
      ];
      const lines: string[] = [];
      const failures: string[] = [];
      for (const mode of matrix) {
        const dir = path.join(projectDir, `type-matrix-${mode.name}`);
        mkdirSync(dir);
        for (const file of mode.files) cpSync(path.join(fixtures, "type-probe.ts"), path.join(dir, file));
        writeFileSync(
          path.join(dir, "tsconfig.json"),
          `${JSON.stringify(
            {
              compilerOptions: {
                target: "es2022",
                module: mode.module,
                moduleResolution: mode.moduleResolution,
                strict: true,
                // What `tsc --init` gives: errors inside the packages' own .d.ts files are not
                // reported, so only the probe's expectations can reveal a type that became `any`.
                skipLibCheck: true,
                noEmit: true,
                types: ["node"],
                typeRoots: [path.join(repoRoot, "node_modules", "@types")],
              },
              files: mode.files,
            },
            null,
            2,
          )}\n`,
        );
        try {
          await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, env, timeoutMs: 300_000 });
          lines.push(`${mode.name}: ${mode.files.join(", ")} type-check; every @ts-expect-error is used`);
        } catch (error) {
          failures.push(`${mode.name}: ${(error as Error).message}`);
        }
      }
      if (failures.length > 0) throw new Error(failures.join("\n"));
      return lines.join("\n");
    },
  );

  // The user's CODEX_HOME as the doctor sees it: it must not exist afterwards.
  const userHome = path.join(temp, "user-codex-home");
  const doctorEnv = { ...env, CODEX_HOME: userHome };
  await step("npx codex-sdk doctor exits 0 on the installed runtime, leaving CODEX_HOME alone", async () => {
    const output = await run("npx", ["--no-install", "codex-sdk", "doctor"], {
      cwd: projectDir,
      env: doctorEnv,
      timeoutMs: 120_000,
    });
    if (!output.includes(`found through the installed package ${platform.packageName}`))
      throw new Error(`the doctor did not find the installed package:\n${output}`);
    if (existsSync(userHome)) throw new Error(`the doctor wrote to CODEX_HOME (${userHome})`);
    return output;
  });
  await step(`without ${platform.packageName}, Codex.start() rejects with RuntimeNotFoundError naming it`, async () => {
    rmSync(path.join(projectDir, "node_modules", platform.packageName), { recursive: true, force: true });
    const output = await run(process.execPath, ["missing-runtime-check.mjs", platform.packageName], {
      cwd: projectDir,
      env,
      timeoutMs: 60_000,
    });
    const { message } = JSON.parse(output) as { message: string };
    return `RuntimeNotFoundError: ${message}`;
  });
  await step(`without ${platform.packageName}, npx codex-sdk doctor exits 1 naming it`, async () => {
    const failure = await run("npx", ["--no-install", "codex-sdk", "doctor"], {
      cwd: projectDir,
      env: doctorEnv,
      timeoutMs: 60_000,
    }).then(
      (output) => {
        throw new Error(`the doctor exited 0 without the platform package:\n${output}`);
      },
      (error: Error) => error.message,
    );
    if (!failure.includes("failed (exit code 1)")) throw new Error(failure);
    if (!failure.includes(platform.packageName) || !failure.includes("fail  runtime"))
      throw new Error(`the report does not name ${platform.packageName}:\n${failure}`);
    return failure.split("\n").slice(1).join("\n");
  });
}
