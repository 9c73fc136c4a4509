// Small terminal helpers: colours only on a terminal, and where an example's input comes from.
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";

const colour = (code: number) => (text: string): string =>
  process.stderr.isTTY && process.stdout.isTTY && !process.env["NO_COLOR"] ? `\u001b[${code}m${text}\u001b[0m` : text;

/** Dim text (on a terminal). */
export const dim = colour(2);
/** Bold text (on a terminal). */
export const bold = colour(1);
/** Green text (on a terminal). */
export const green = colour(32);
/** Red text (on a terminal). */
export const red = colour(31);
/** Yellow text (on a terminal). */
export const yellow = colour(33);

/** True when a person is at the keyboard: stdin and stdout are both terminals. */
export function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/** The value after `--name` on the command line, or undefined. */
export function flag(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value.`);
  return value;
}

/**
 * The scripted input of a non-interactive run: the lines of the `--script <file>` file, else
 * the lines piped into stdin. Blank lines and lines starting with `#` are skipped.
 */
export async function scriptedLines(): Promise<string[]> {
  const file = flag("script");
  let text: string;
  if (file !== undefined) text = await readFile(file, "utf8");
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString("utf8");
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/**
 * Asks a question on the terminal and resolves with the answer (trimmed). Aborting `signal`
 * (for example when the server withdraws the request) rejects and stops asking.
 */
export async function ask(question: string, signal?: AbortSignal): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question, signal ? { signal } : {})).trim();
  } finally {
    rl.close();
  }
}
