// Builds one workspace package: ESM and CommonJS JavaScript with esbuild, and one bundled
// declaration file per entry (emitted twice, as `.d.ts` and `.d.cts`, so both module systems
// get types that TypeScript reads in the right format).
//
// Run from a package directory: `tsx ../../scripts/build-package.ts`. Entries come from the
// package's `exports` map: every subpath with an `import` condition `./dist/<name>.js` is built
// from `src/<name>.ts`.
import { rm, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";
import { buildJavaScript, externalNames, packageEntries, readBuildManifest } from "./build/javascript.js";

const packageDir = process.cwd();
const packageJson = readBuildManifest(packageDir);
const entries = packageEntries(packageJson);
const external = externalNames(packageJson);

await rm(path.join(packageDir, "dist"), { recursive: true, force: true });
await mkdir(path.join(packageDir, "dist"), { recursive: true });
await buildJavaScript(packageDir, path.join(packageDir, "dist"), packageJson);

for (const [name, source] of entries) {
  const bundle = await rollup({
    input: path.join(packageDir, source),
    external: (id) =>
      id.startsWith("node:") || external.some((e) => id === e || id.startsWith(`${e.replace("/*", "")}/`)),
    plugins: [
      dts({ tsconfig: path.join(packageDir, "tsconfig.json"), compilerOptions: { noEmit: false, declaration: true } }),
    ],
  });
  const { output } = await bundle.generate({ format: "es" });
  await bundle.close();
  const code = output[0].code;
  await writeFile(path.join(packageDir, "dist", `${name}.d.ts`), code);
  await writeFile(path.join(packageDir, "dist", `${name}.d.cts`), code);
}
console.log(`${packageJson.name}: built ${[...entries.keys()].join(", ")} (esm, cjs, d.ts, d.cts)`);
