// Turns the preprocessed definitions into one TypeScript module with json-schema-to-typescript,
// then post-processes its output: exact schema names, no wrapper type, declarations sorted.
import { compile, type JSONSchema } from "json-schema-to-typescript";
import ts from "typescript";
import { compareNames, type Definitions } from "./schema-model.js";

/** Name of the throwaway root type that makes every definition reachable. */
const ROOT_NAME = "CodexGeneratorRootZ";

/**
 * json-schema-to-typescript passes every name through its identifier sanitiser, which renames
 * some exact schema names (`W3cTraceContext` becomes `W3CTraceContext`). Each definition is
 * therefore compiled under a placeholder the sanitiser leaves alone, and renamed afterwards.
 */
function placeholder(index: number): string {
  return `CodexGeneratorName${index}Z`;
}
const PLACEHOLDER = /\bCodexGeneratorName(\d+)Z\b/g;

/**
 * Compiles `definitions` (already preprocessed) to TypeScript declarations, one per definition,
 * each exported under its exact definition name and sorted by name, so that adding a
 * reference somewhere does not move unrelated blocks around the file.
 *
 * Fails when the output does not declare exactly one type per definition (a numeric suffix
 * such as `Foo1` means two schema nodes claimed the same name).
 */
export async function compileDefinitions(definitions: Definitions): Promise<string> {
  const names = Object.keys(definitions);
  const placeholders = new Map(names.map((name, index) => [name, placeholder(index)]));
  // The placeholder goes in `title`: json-schema-to-typescript names object schemas from
  // `title`/`$id` and passes no definition key to `customName` for them.
  const titled = Object.fromEntries(
    names.map((name) => [name, { ...definitions[name], title: placeholders.get(name) }]),
  );
  const root = {
    title: ROOT_NAME,
    definitions: titled,
    // Referencing every definition from the root makes each one reachable (and so declared)
    // without `unreachableDefinitions`, which would add a "referenced by" comment to each.
    anyOf: names.map((name) => ({ $ref: `#/definitions/${name}` })),
  };
  const output = await compile(root as unknown as JSONSchema, ROOT_NAME, {
    bannerComment: "",
    additionalProperties: false,
    unknownAny: true,
    strictIndexSignatures: false,
    declareExternallyReferenced: true,
    enableConstEnums: false,
    format: true,
    $refOptions: { resolve: { external: false } },
  });

  const renamed = output.replace(PLACEHOLDER, (_match, index: string) => {
    const name = names[Number(index)];
    if (name === undefined) throw new Error(`json-schema-to-typescript produced an unknown placeholder ${_match}.`);
    return name;
  });
  return sortDeclarations(renamed, new Set(names));
}

/**
 * Splits the module into top-level declarations (each with its leading JSDoc), drops the root
 * wrapper, checks the names, and joins them back sorted by name.
 */
function sortDeclarations(source: string, expected: ReadonlySet<string>): string {
  const file = ts.createSourceFile("types.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const blocks = new Map<string, string>();
  for (const statement of file.statements) {
    if (!ts.isTypeAliasDeclaration(statement) && !ts.isInterfaceDeclaration(statement)) {
      throw new Error(
        `Unexpected ${ts.SyntaxKind[statement.kind]} in json-schema-to-typescript output: ${statement.getText(file).slice(0, 200)}`,
      );
    }
    const name = statement.name.text;
    if (name === ROOT_NAME) continue;
    if (blocks.has(name)) throw new Error(`json-schema-to-typescript declared ${name} twice.`);
    blocks.set(name, statement.getFullText(file).trim());
  }
  const extra = [...blocks.keys()].filter((name) => !expected.has(name));
  const missing = [...expected].filter((name) => !blocks.has(name));
  if (extra.length > 0 || missing.length > 0) {
    throw new Error(
      `The generated declarations do not match the schema definitions one to one.\n` +
        (extra.length
          ? `  declared but not a definition (numeric suffix or inferred name?): ${extra.join(", ")}\n`
          : "") +
        (missing.length ? `  definitions without a declaration: ${missing.join(", ")}\n` : ""),
    );
  }
  return [...blocks.keys()]
    .sort(compareNames)
    .map((name) => blocks.get(name)!)
    .join("\n\n");
}
