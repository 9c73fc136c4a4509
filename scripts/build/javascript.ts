// The JavaScript half of a package build: ESM and CommonJS bundles of the package's entries (and
// an ESM file per `bin` command) with esbuild. Shared by the build (scripts/build-package.ts) and
// by staging, which builds the
// JavaScript again against the staged manifest so that the versions bundled from package.json
// are the published ones.
import { readFileSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";

/** The package.json fields a build reads. */
export interface BuildManifest {
  name: string;
  version: string;
  exports?: Record<string, { import?: { default?: string } } | string>;
  bin?: Record<string, string> | string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Reads `<packageDir>/package.json`. */
export function readBuildManifest(packageDir: string): BuildManifest {
  return JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as BuildManifest;
}

/** Entry name -> source file, from every `./dist/<name>.js` `import` target of `exports`. */
export function packageEntries(manifest: BuildManifest): Map<string, string> {
  const entries = new Map<string, string>();
  for (const target of Object.values(manifest.exports ?? {})) {
    if (typeof target === "string") continue;
    const file = target.import?.default;
    const match = file?.match(/^\.\/dist\/(.+)\.js$/);
    if (match?.[1]) entries.set(match[1], `src/${match[1]}.ts`);
  }
  if (entries.size === 0) throw new Error(`${manifest.name}: no ./dist/<name>.js entries in "exports"`);
  return entries;
}

/** Command name's file -> source file: each `bin` target `./dist/<name>.js` is built from `src/<name>.ts`. */
export function packageBins(manifest: BuildManifest): Map<string, string> {
  const bins = new Map<string, string>();
  for (const file of typeof manifest.bin === "string" ? [manifest.bin] : Object.values(manifest.bin ?? {})) {
    const match = file.match(/^\.\/dist\/(.+)\.js$/);
    if (!match?.[1]) throw new Error(`${manifest.name}: bin ${file} is not ./dist/<name>.js`);
    bins.set(match[1], `src/${match[1]}.ts`);
  }
  return bins;
}

/** Dependencies stay imports: each package ships only its own code. */
export function externalNames(manifest: BuildManifest): string[] {
  return [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ].flatMap((name) => [name, `${name}/*`]);
}

/**
 * What source code sees when it imports its own package.json: the name, the version and the
 * dependencies, with `workspace:X.Y.Z` as the exact `X.Y.Z` it is published as (`workspace:*` as
 * the package's own version: the packages are released in lockstep). Nothing else is bundled.
 */
export function bundledManifest(manifest: BuildManifest): {
  name: string;
  version: string;
  dependencies: Record<string, string>;
} {
  const dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies ?? {}).map(([name, range]) => [
      name,
      range === "workspace:*" ? manifest.version : range.replace(/^workspace:/, ""),
    ]),
  );
  return { name: manifest.name, version: manifest.version, dependencies };
}

/** Serves `bundledManifest(manifest)` for the package's own package.json. */
function manifestPlugin(packageDir: string, manifest: BuildManifest): Plugin {
  const own = path.join(packageDir, "package.json");
  return {
    name: "codex-package-manifest",
    setup(builder) {
      builder.onLoad({ filter: /[\\/]package\.json$/ }, (args) =>
        path.resolve(args.path) === own
          ? { contents: JSON.stringify(bundledManifest(manifest)), loader: "json" }
          : undefined,
      );
    },
  };
}

/**
 * Bundles the package's entries into `outDir` as `.js` (ESM) and `.cjs`, with source maps.
 * `manifest` is what the code's own package.json import sees (default: the package's manifest).
 */
export async function buildJavaScript(
  packageDir: string,
  outDir: string,
  manifest: BuildManifest = readBuildManifest(packageDir),
): Promise<void> {
  const common = {
    entryPoints: Object.fromEntries(packageEntries(manifest)),
    absWorkingDir: packageDir,
    bundle: true,
    platform: "node" as const,
    target: "node20",
    external: [...externalNames(manifest), "node:*"],
    sourcemap: true,
    logLevel: "warning" as const,
    outdir: outDir,
    plugins: [manifestPlugin(packageDir, manifest)],
  };
  await build({ ...common, format: "esm", outExtension: { ".js": ".js" } });
  await build({ ...common, format: "cjs", outExtension: { ".js": ".cjs" } });
  // A bin is one ESM file (its `#!` line kept), without declarations.
  const bins = packageBins(manifest);
  if (bins.size > 0)
    await build({ ...common, entryPoints: Object.fromEntries(bins), format: "esm", outExtension: { ".js": ".js" } });
}
