/** The directory of this installed `@codex/cli-bin` package. */
export declare const packageDir: string;

/**
 * Resolves `specifier` (e.g. `"@codex/cli-bin-linux-x64/package.json"`) as `@codex/cli-bin` would
 * `require` it. Returns the absolute file path, or `undefined` when it is not installed.
 */
export declare function resolveFromCliBin(specifier: string): string | undefined;
