#!/usr/bin/env node
// `codex-sdk`: the command-line tool of `@codex/sdk`. One subcommand, `doctor`, for CI:
//   npx codex-sdk doctor      exits 0 when the runtime is the pinned version and starts, 1 otherwise
import { parseArgs } from "node:util";
import { doctor, formatDoctorReport } from "./doctor.js";

const USAGE = `Usage: codex-sdk doctor [--codex-bin PATH] [--codex-home DIR] [--no-handshake] [--json]

Checks the codex runtime @codex/sdk starts: how it was found, its version against the pin, the
platform package, CODEX_HOME, and (with a handshake in a throwaway CODEX_HOME) that it starts.
Exits 1 when anything is wrong.

  --codex-bin PATH   check this codex executable instead of CODEX_BIN / the installed package
  --codex-home DIR   run the handshake in DIR instead of a throwaway home (which gets a copy of
                     the auth.json of your CODEX_HOME, so the account is read without writing there)
  --no-handshake     do not start codex app-server
  --json             print the report as JSON
`;

function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "codex-bin": { type: "string" },
      "codex-home": { type: "string" },
      "no-handshake": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== "doctor") {
    process.stderr.write(USAGE);
    return 2;
  }
  const report = await doctor({
    codexBin: values["codex-bin"],
    codexHome: values["codex-home"],
    handshake: !values["no-handshake"],
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`codex-sdk: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
