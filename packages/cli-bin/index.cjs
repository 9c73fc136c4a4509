"use strict";
// Resolves the runtime packages from this package's own location. Package managers install the
// platform package next to @codex/cli-bin, but not always where the application can see it: pnpm
// links it only into this package's own node_modules, so a lookup from anywhere else misses it.

/** The directory of this installed `@codex/cli-bin` package. */
exports.packageDir = __dirname;

/**
 * Resolves `specifier` (e.g. `"@codex/cli-bin-linux-x64/package.json"`) as this package would
 * `require` it. Returns the absolute file path, or `undefined` when it is not installed.
 */
exports.resolveFromCliBin = function resolveFromCliBin(specifier) {
  try {
    return require.resolve(specifier);
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
};
