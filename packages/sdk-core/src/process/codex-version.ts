// Reading codex's own report of its version. Dependency-free: the release staging script uses it too.

/** The version in the output of `codex --version` (`codex-cli 0.169.0`), or `undefined`. */
export function parseCodexVersionOutput(output: string): string | undefined {
  return /(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output)?.[1];
}
