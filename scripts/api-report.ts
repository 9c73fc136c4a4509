// The API report: for every published entry point (each `exports` subpath of the packages below),
// the exported names and their declarations in a stable sorted form, read with the TypeScript
// compiler from the bundled declaration file the build emits (dist/<name>.d.ts). The reports are
// committed in api-report/, so that every change of the public surface is a reviewed diff.
//
//   pnpm api-report            rewrites api-report/*.api.md (run after `pnpm build`)
//   pnpm api-report --check    fails, listing what changed, when a report is out of date
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(import.meta.dirname, "..");
const reportDir = path.join(root, "api-report");
/** The published packages whose surface is reported (protocol-types is generated: names only). */
const PACKAGES = ["sdk", "sdk-core", "sdk-testing", "protocol-types"];
const NAMES_ONLY = new Set(["@codex/protocol-types"]);

interface PackageJson {
  name: string;
  exports: Record<string, string | { import?: { types?: string } }>;
}

/** One line per exported name: `kind name: declaration`, sorted by name. */
export function reportFor(declarationFile: string, namesOnly = false): string[] {
  const program = ts.createProgram([declarationFile], {
    noEmit: true,
    noLib: true,
    types: [],
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarationFile);
  if (source === undefined) throw new Error(`${declarationFile} was not loaded: run \`pnpm build\` first.`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${declarationFile} is not a module.`);
  const lines: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    const kinds = [
      ...new Set(
        declarations.map((declaration) => ts.SyntaxKind[declaration.kind].replace(/Declaration$/, "").toLowerCase()),
      ),
    ];
    if (namesOnly) {
      lines.push(`${kinds.join("+")} ${exported.name}`);
      continue;
    }
    const text = declarations
      .map((declaration) => {
        const node = ts.isVariableDeclaration(declaration) ? declaration : declaration;
        const raw = ts.isVariableDeclaration(node)
          ? `${node.name.getText()}: ${node.type ? node.type.getText() : checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, node))}`
          : node.getText();
        return withoutComments(raw);
      })
      .join(" | ");
    lines.push(
      `${kinds.join("+")} ${exported.name}${exported.name !== symbol.name ? ` (declared as ${symbol.name})` : ""}: ${text}`,
    );
  }
  return lines.sort((a, b) => nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b));
}

function nameOf(line: string): string {
  return line.split(" ")[1]!.replace(/:$/, "");
}

/** Declaration text without comments, on one line, whitespace collapsed. */
function withoutComments(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  let out = "";
  for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
    if (token === ts.SyntaxKind.SingleLineCommentTrivia || token === ts.SyntaxKind.MultiLineCommentTrivia) continue;
    out +=
      token === ts.SyntaxKind.WhitespaceTrivia || token === ts.SyntaxKind.NewLineTrivia ? " " : scanner.getTokenText();
  }
  return out.replace(/\s+/g, " ").trim();
}

/** `api-report/<package>[.<subpath>].api.md` for every entry point, with its text. */
export function buildReports(): Map<string, string> {
  const reports = new Map<string, string>();
  for (const dir of PACKAGES) {
    const packageDir = path.join(root, "packages", dir);
    const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as PackageJson;
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const types = typeof target === "string" ? undefined : target.import?.types;
      if (types === undefined) continue;
      const entry = subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
      const file = path.join(packageDir, types);
      if (!existsSync(file)) throw new Error(`${path.relative(root, file)} is missing: run \`pnpm build\` first.`);
      const lines = reportFor(file, NAMES_ONLY.has(manifest.name));
      const name = `${manifest.name.replace("@codex/", "")}${subpath === "." ? "" : `.${subpath.slice(2).replace(/\//g, ".")}`}.api.md`;
      const text = [
        `# ${entry}`,
        "",
        `Generated by \`pnpm api-report\` from \`${path.relative(root, file).split(path.sep).join("/")}\`; do not edit. ${lines.length} exported names${NAMES_ONLY.has(manifest.name) ? " (generated package: names only)" : ""}.`,
        "",
        "```ts",
        ...lines,
        "```",
        "",
      ].join("\n");
      reports.set(name, text);
    }
  }
  return reports;
}

/** The differences between the committed reports and `reports`, one line each; empty when equal. */
export function compareReports(reports: Map<string, string>, directory: string): string[] {
  const problems: string[] = [];
  const committed = existsSync(directory) ? readdirSync(directory).filter((file) => file.endsWith(".api.md")) : [];
  for (const file of committed) if (!reports.has(file)) problems.push(`${file}: no such entry point any more`);
  for (const [file, text] of reports) {
    const target = path.join(directory, file);
    if (!existsSync(target)) {
      problems.push(`${file}: new entry point, not in the report`);
      continue;
    }
    const before = codeLines(readFileSync(target, "utf8"));
    const after = codeLines(text);
    const beforeSet = new Set(before);
    const afterSet = new Set(after);
    for (const line of before) if (!afterSet.has(line)) problems.push(`${file}: - ${line.slice(0, 160)}`);
    for (const line of after) if (!beforeSet.has(line)) problems.push(`${file}: + ${line.slice(0, 160)}`);
    if (problems.length === 0 && readFileSync(target, "utf8") !== text)
      problems.push(`${file}: header or order differs`);
  }
  return problems;
}

function codeLines(text: string): string[] {
  const start = text.indexOf("```ts\n");
  const end = text.lastIndexOf("```");
  return start === -1
    ? []
    : text
        .slice(start + 6, end)
        .split("\n")
        .filter((line) => line !== "");
}

function main(): void {
  const check = process.argv.includes("--check");
  const reports = buildReports();
  if (check) {
    const problems = compareReports(reports, reportDir);
    if (problems.length > 0) {
      console.error(
        `The public API changed without its report (${problems.length} differences); run \`pnpm api-report\` and review the diff:`,
      );
      for (const problem of problems) console.error(`  ${problem}`);
      process.exitCode = 1;
      return;
    }
    console.log(`api-report: ${reports.size} entry points match api-report/`);
    return;
  }
  mkdirSync(reportDir, { recursive: true });
  for (const file of readdirSync(reportDir))
    if (file.endsWith(".api.md") && !reports.has(file)) rmSync(path.join(reportDir, file));
  for (const [file, text] of reports) writeFileSync(path.join(reportDir, file), text);
  for (const [file, text] of reports) console.log(`${file}: ${/(\d+) exported names/.exec(text)?.[1]} names`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
