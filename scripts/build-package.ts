// Builds one workspace package: ESM and CommonJS JavaScript with esbuild, and one bundled
// declaration file per entry (emitted twice, as `.d.ts` and `.d.cts`, so both module systems
// get types that TypeScript reads in the right format).
//
// Run from a package directory: `tsx ../../scripts/build-package.ts`. Entries come from the
// package's `exports` map: every subpath with an `import` condition `./dist/<name>.js` is built
// from `src/<name>.ts`. Each `bin` command `./dist/<name>.js` is built from `src/<name>.ts` as
// one ESM file (its `#!` line kept), without declarations.
import { readFile, rm, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

interface PackageJson {
  name: string;
  exports?: Record<string, { import?: { default?: string } } | string>;
  bin?: Record<string, string> | string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const packageDir = process.cwd();
const packageJson = JSON.parse(await readFile(path.join(packageDir, "package.json"), "utf8")) as PackageJson;

const entries = new Map<string, string>();
for (const target of Object.values(packageJson.exports ?? {})) {
  if (typeof target === "string") continue;
  const file = target.import?.default;
  const match = file?.match(/^\.\/dist\/(.+)\.js$/);
  if (match?.[1]) entries.set(match[1], `src/${match[1]}.ts`);
}
if (entries.size === 0) throw new Error(`${packageJson.name}: no ./dist/<name>.js entries in "exports"`);

const bins = new Map<string, string>();
for (const file of typeof packageJson.bin === "string" ? [packageJson.bin] : Object.values(packageJson.bin ?? {})) {
  const match = file.match(/^\.\/dist\/(.+)\.js$/);
  if (!match?.[1]) throw new Error(`${packageJson.name}: bin ${file} is not ./dist/<name>.js`);
  bins.set(match[1], `src/${match[1]}.ts`);
}

// Dependencies stay imports: each package ships only its own code.
const external = [
  ...Object.keys(packageJson.dependencies ?? {}),
  ...Object.keys(packageJson.peerDependencies ?? {}),
  ...Object.keys(packageJson.optionalDependencies ?? {}),
].flatMap((name) => [name, `${name}/*`]);

await rm(path.join(packageDir, "dist"), { recursive: true, force: true });
await mkdir(path.join(packageDir, "dist"), { recursive: true });

const entryPoints = Object.fromEntries(entries);
const common = {
  entryPoints,
  bundle: true,
  platform: "node" as const,
  target: "node20",
  external: [...external, "node:*"],
  sourcemap: true,
  logLevel: "warning" as const,
  outdir: path.join(packageDir, "dist"),
};
await build({ ...common, format: "esm", outExtension: { ".js": ".js" } });
await build({ ...common, format: "cjs", outExtension: { ".js": ".cjs" } });
if (bins.size > 0) await build({ ...common, entryPoints: Object.fromEntries(bins), format: "esm", outExtension: { ".js": ".js" } });

for (const [name, source] of entries) {
  const bundle = await rollup({
    input: path.join(packageDir, source),
    external: (id) => id.startsWith("node:") || external.some((e) => id === e || id.startsWith(`${e.replace("/*", "")}/`)),
    plugins: [dts({ tsconfig: path.join(packageDir, "tsconfig.json"), compilerOptions: { noEmit: false, declaration: true } })],
  });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  const code = output[0].code;
  await writeFile(path.join(packageDir, "dist", `${name}.d.ts`), code);
  await writeFile(path.join(packageDir, "dist", `${name}.d.cts`), code);
}
console.log(
  `${packageJson.name}: built ${[...entries.keys()].join(", ")} (esm, cjs, d.ts, d.cts)${bins.size > 0 ? `; bin ${[...bins.keys()].join(", ")} (esm)` : ""}`,
);
