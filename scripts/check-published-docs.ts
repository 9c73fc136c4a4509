// What a user sees of the published packages and the examples, checked as `pnpm test` runs it:
//   1. no package README has a relative link that leaves its package (the registry page shows
//      the README alone, so `../../docs/x.md` is a dead link there);
//   2. every published package names the repository (`repository`, with its `directory`, and
//      `homepage`), the same one as the root package.json, so its page links back;
// Prints one line per problem and `N passed, N failed`; exits non-zero on any problem.
//
//   pnpm run check-published-docs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

interface Manifest {
  name: string;
  private?: boolean;
  repository?: { type?: string; url?: string; directory?: string } | string;
  homepage?: string;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;

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
      problems.push(`${relative}: the link "${match[1] ?? match[2]}" leaves the package (dead on the registry's page): use an absolute URL`);
    }
  }
  if (leaving === 0) passed += 1;
}

// 2. repository and homepage.
const rootManifest = readManifest(root);
const rootRepository = typeof rootManifest.repository === "object" ? rootManifest.repository.url : rootManifest.repository;
check(typeof rootRepository === "string" && rootRepository !== "", `package.json: the root manifest has no repository.url`);
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

for (const problem of problems) console.log(`FAIL  ${problem}`);
console.log(`${passed} passed, ${problems.length} failed`);
process.exit(problems.length === 0 ? 0 : 1);
