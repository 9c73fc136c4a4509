// Stages a release: writes publishable package directories, which `npm publish <dir>` (or
// `npm pack <dir>`) takes as they are. The SDK packages are staged once, the runtime once per
// platform, all with the pinned runtime version.
//
//   pnpm run stage generate-types
//   pnpm run stage stage-protocol-types <dir> --sdk-version V
//   pnpm run stage stage-sdk-core       <dir> --sdk-version V
//   pnpm run stage stage-sdk            <dir> --sdk-version V --runtime-version R
//   pnpm run stage stage-sdk-testing    <dir> --sdk-version V
//   pnpm run stage stage-cli-bin        <dir> --runtime-version R
//   pnpm run stage stage-runtime        <dir> <codex binary or runtime package dir> --runtime-version R [--platform P]
//
// Options: --release-tag rust-vX.Y.Z (default: $CODEX_RELEASE_TAG) refuses versions other than
// the tag's unless --allow-version-mismatch; --skip-generate-types skips regenerating
// @codex/protocol-types before staging it or sdk-core; --skip-build uses the existing dist/.
// Versions may be given as release tags: --sdk-version rust-v1.2.3 means 1.2.3.
// Every stage-* wipes <dir> first, and refuses a <dir> that overlaps what it reads.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { StageError } from "./staging/stage-error.js";
import {
  JS_PACKAGES,
  readManifest,
  stageCliBin,
  stageJsPackage,
  stageRuntime,
  stageSdk,
  type StagedPackage,
} from "./staging/stage-packages.js";
import { describeStaged } from "./staging/describe.js";
import { checkAgainstReleaseTag, parseVersionArgument, type RequestedVersion } from "./staging/versions.js";

const repoRoot = path.resolve(import.meta.dirname, "..");

const USAGE = `Usage: pnpm run stage <subcommand> ...
  generate-types [generator args]
  stage-protocol-types <dir> --sdk-version V
  stage-sdk-core <dir> --sdk-version V
  stage-sdk <dir> --sdk-version V --runtime-version R
  stage-sdk-testing <dir> --sdk-version V
  stage-cli-bin <dir> --runtime-version R
  stage-runtime <dir> <binary-or-package-dir> --runtime-version R [--platform P]
Options: --release-tag rust-vX.Y.Z (or CODEX_RELEASE_TAG), --allow-version-mismatch,
         --skip-generate-types, --skip-build`;

function run(argv: string[]): void {
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: "inherit" });
  if (result.status !== 0) throw new StageError(`"${argv.join(" ")}" failed (exit ${result.status ?? result.signal}).`);
}

function generateTypes(extra: string[] = []): void {
  run(["pnpm", "--silent", "run", "generate-types", ...extra]);
}

/** Builds one workspace package and what it depends on (turbo skips what is up to date). */
function build(packageDir: string): void {
  const name = readManifest(path.join(repoRoot, packageDir)).name;
  run(["pnpm", "exec", "turbo", "run", "build", `--filter=${name}...`, "--output-logs=errors-only"]);
}

async function main(args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === "--help" || subcommand === "-h") {
    console.log(USAGE);
    return;
  }
  if (subcommand === "generate-types") {
    generateTypes(rest);
    return;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      "sdk-version": { type: "string" },
      "runtime-version": { type: "string" },
      platform: { type: "string" },
      "release-tag": { type: "string" },
      "allow-version-mismatch": { type: "boolean", default: false },
      "skip-generate-types": { type: "boolean", default: false },
      "skip-build": { type: "boolean", default: false },
    },
  });
  const expectedPositionals = subcommand === "stage-runtime" ? 2 : 1;
  if (positionals.length !== expectedPositionals) {
    throw new StageError(
      `${subcommand} takes ${expectedPositionals === 2 ? "<dir> <binary-or-package-dir>" : "<dir>"}.\n${USAGE}`,
    );
  }
  const stagingDir = path.resolve(positionals[0]!);

  const needsSdk = ["stage-protocol-types", "stage-sdk-core", "stage-sdk", "stage-sdk-testing"].includes(subcommand);
  const needsRuntime = ["stage-sdk", "stage-cli-bin", "stage-runtime"].includes(subcommand);
  if (!needsSdk && !needsRuntime) throw new StageError(`Unknown subcommand "${subcommand}".\n${USAGE}`);
  const requested: RequestedVersion[] = [];
  const sdkVersion = needsSdk ? parseVersionArgument("--sdk-version", values["sdk-version"]) : undefined;
  const runtimeVersion = needsRuntime
    ? parseVersionArgument("--runtime-version", values["runtime-version"])
    : undefined;
  if (sdkVersion !== undefined) requested.push({ flag: "--sdk-version", version: sdkVersion });
  if (runtimeVersion !== undefined) requested.push({ flag: "--runtime-version", version: runtimeVersion });
  const releaseTag = values["release-tag"] ?? process.env["CODEX_RELEASE_TAG"];
  for (const warning of checkAgainstReleaseTag(requested, releaseTag, values["allow-version-mismatch"]))
    console.warn(warning);

  const prepare = (packageKey: keyof typeof JS_PACKAGES, regenerate: boolean) => {
    if (regenerate && !values["skip-generate-types"]) generateTypes();
    if (!values["skip-build"]) build(JS_PACKAGES[packageKey]);
  };
  let staged: StagedPackage;
  switch (subcommand) {
    case "stage-protocol-types":
      prepare("protocol-types", true);
      staged = await stageJsPackage({ repoRoot, package: "protocol-types", stagingDir, sdkVersion });
      break;
    case "stage-sdk-core":
      prepare("sdk-core", true);
      staged = await stageJsPackage({ repoRoot, package: "sdk-core", stagingDir, sdkVersion });
      break;
    case "stage-sdk":
      prepare("sdk", false);
      staged = await stageSdk({ repoRoot, stagingDir, sdkVersion, runtimeVersion });
      break;
    case "stage-sdk-testing":
      prepare("sdk-testing", false);
      staged = await stageJsPackage({ repoRoot, package: "sdk-testing", stagingDir, sdkVersion });
      break;
    case "stage-cli-bin":
      staged = await stageCliBin({ repoRoot, stagingDir, runtimeVersion });
      break;
    default:
      staged = await stageRuntime({
        repoRoot,
        stagingDir,
        source: positionals[1]!,
        runtimeVersion,
        platform: values.platform,
      });
  }
  console.log(describeStaged(staged));
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof StageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`stage: ${(error as Error).message}`);
    process.exit(1);
  }
  throw error;
}
