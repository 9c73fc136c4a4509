// What a user sees of the published packages and the examples, checked as `pnpm test` runs it:
//   1. no package README has a relative link that leaves its package (the registry page shows
//      the README alone, so `../../docs/x.md` is a dead link there);
//   2. every published package names the repository (`repository`, with its `directory`, and
//      `homepage`), the same one as the root package.json, so its page links back;
//   3. every example imports only Node built-ins, its own files, and published packages it lists
//      as dependencies (its harness comes from `@codex/sdk-testing/examples`), so it can be
//      copied into a project as is;
//   4. docs/errors.md, the one table of errors, names every error class errors.ts exports, and no
//      other Markdown file carries a copy of its JSON-RPC code table.
// Prints one line per problem and `N passed, N failed`; exits non-zero on any problem.
//
//   pnpm run check-published-docs
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

interface Manifest {
  name: string;
  private?: boolean;
  repository?: { type?: string; url?: string; directory?: string } | string;
  homepage?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;

let passed = 0;
const problems: string[] = [];
function check(ok: boolean, problem: string): void {
  if (ok) passed += 1;
  else problems.push(problem);
}

const packageDirs = readdirSync(path.join(root, "packages"))
  .map((name) => path.join(root, "packages", name))
  .filter((dir) => existsSync(path.join(dir, "package.json")));
const published = packageDirs.filter((dir) => readManifest(dir).private !== true);
const publishedNames = new Set(published.map((dir) => readManifest(dir).name));

// 1. README links that leave the package.
const LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)/gm;
for (const dir of packageDirs) {
  const readme = path.join(dir, "README.md");
  if (!existsSync(readme)) continue;
  const text = readFileSync(readme, "utf8");
  const relative = path.relative(root, readme);
  let leaving = 0;
  for (const match of text.matchAll(LINK)) {
    const target = (match[1] ?? match[2] ?? "").split("#")[0]!;
    if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const resolved = path.resolve(dir, target);
    if (resolved !== dir && !resolved.startsWith(dir + path.sep)) {
      leaving += 1;
      problems.push(
        `${relative}: the link "${match[1] ?? match[2]}" leaves the package (dead on the registry's page): use an absolute URL`,
      );
    }
  }
  if (leaving === 0) passed += 1;
}

// 2. repository and homepage.
const rootManifest = readManifest(root);
const rootRepository =
  typeof rootManifest.repository === "object" ? rootManifest.repository.url : rootManifest.repository;
check(
  typeof rootRepository === "string" && rootRepository !== "",
  `package.json: the root manifest has no repository.url`,
);
for (const dir of published) {
  const manifest = readManifest(dir);
  const where = path.relative(root, path.join(dir, "package.json"));
  const repository = manifest.repository;
  const directory = path.relative(root, dir).split(path.sep).join("/");
  check(
    typeof repository === "object" && repository.url === rootRepository && repository.directory === directory,
    `${where}: "repository" must be { "type": "git", "url": ${JSON.stringify(rootRepository)}, "directory": "${directory}" }`,
  );
  check(
    typeof manifest.homepage === "string" && manifest.homepage.startsWith("https://"),
    `${where}: "homepage" must be an https URL (the package's page in the repository)`,
  );
}

// 3. Examples import only what a copied project would have.
const examplesDir = path.join(root, "examples");
const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(m|c)?[jt]s$/.test(name) ? [file] : [];
  });
}
const exampleDirs = existsSync(examplesDir)
  ? readdirSync(examplesDir)
      .map((name) => path.join(examplesDir, name))
      .filter((dir) => existsSync(path.join(dir, "package.json")) && existsSync(path.join(dir, "src")))
  : [];
for (const dir of exampleDirs) {
  if (path.basename(dir).startsWith("_")) continue; // not an example
  const manifest = readManifest(dir);
  const listed = { ...manifest.dependencies, ...manifest.peerDependencies };
  const relative = path.relative(root, dir);
  let bad = 0;
  for (const file of sourceFiles(path.join(dir, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? "";
      if (specifier.startsWith(".")) {
        const target = path.resolve(path.dirname(file), specifier);
        if (!target.startsWith(dir + path.sep)) {
          bad += 1;
          problems.push(`${path.relative(root, file)}: imports ${specifier}, outside the example`);
        }
        continue;
      }
      if (builtins.has(specifier)) continue;
      const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;
      if (name.startsWith("@codex/") && !publishedNames.has(name)) {
        bad += 1;
        problems.push(`${path.relative(root, file)}: imports ${name}, which is not a published package`);
      } else if (listed[name] === undefined) {
        bad += 1;
        problems.push(
          `${path.relative(root, file)}: imports ${name}, which ${relative}/package.json does not list in "dependencies"`,
        );
      }
    }
  }
  if (bad === 0) passed += 1;
}

// 4. The one error table.
const errorsDoc = path.join(root, "docs", "errors.md");
const errorsText = existsSync(errorsDoc) ? readFileSync(errorsDoc, "utf8") : "";
check(errorsText !== "", "docs/errors.md is missing: it holds the one table of errors");
const errorSource = readFileSync(path.join(root, "packages/sdk-core/src/errors.ts"), "utf8");
for (const [, name] of errorSource.matchAll(/^export class (\w+)/gm)) {
  check(
    errorsText.includes(`\`${name}\``),
    `docs/errors.md does not name ${name} (packages/sdk-core/src/errors.ts exports it)`,
  );
}
function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === "node_modules" || name === "dist" || name.startsWith(".") || file === path.join(root, "docs", "api"))
      return [];
    if (statSync(file).isDirectory()) return markdownFiles(file);
    return name.endsWith(".md") ? [file] : [];
  });
}
for (const file of markdownFiles(root)) {
  if (file === errorsDoc) continue;
  check(
    !/^\|\s*-32001\b/m.test(readFileSync(file, "utf8")),
    `${path.relative(root, file)}: has a copy of the JSON-RPC error table; link to docs/errors.md instead`,
  );
}

for (const problem of problems) console.log(`FAIL  ${problem}`);
console.log(`${passed} passed, ${problems.length} failed`);
process.exit(problems.length === 0 ? 0 : 1);
