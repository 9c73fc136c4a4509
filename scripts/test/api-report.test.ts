import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { compareReports, reportFor } from "../api-report.js";

const temp = mkdtempSync(path.join(tmpdir(), "api-report-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function report(name: string, source: string): string[] {
  const file = path.join(temp, `${name}.d.ts`);
  writeFileSync(file, source);
  return reportFor(file);
}

function asReport(lines: string[]): string {
  return ["# x", "", "```ts", ...lines, "```", ""].join("\n");
}

it("lists every exported name with its declaration, sorted, aliases resolved", () => {
  const lines = report(
    "a",
    "interface Inner { a: number }\nexport declare function zeta(x: string): Inner;\nexport { Inner as Alpha };\n/** doc */ export declare const beta: 1;\n",
  );
  expect(lines).toEqual([
    "interface Alpha (declared as Inner): interface Inner { a: number }",
    "variable beta: beta: 1",
    "function zeta: export declare function zeta(x: string): Inner;",
  ]);
});

it("--check finds a changed signature, a removed name and a new one", () => {
  const dir = path.join(temp, "committed");
  mkdirSync(dir);
  writeFileSync(
    path.join(dir, "pkg.api.md"),
    asReport(report("before", "export declare function f(x: string): void;\nexport declare const gone: 1;\n")),
  );
  const same = new Map([
    [
      "pkg.api.md",
      asReport(report("same", "export declare function f(x: string): void;\nexport declare const gone: 1;\n")),
    ],
  ]);
  expect(compareReports(same, dir)).toEqual([]);
  const changed = new Map([
    [
      "pkg.api.md",
      asReport(report("after", "export declare function f(x: number): void;\nexport declare const added: 2;\n")),
    ],
  ]);
  const problems = compareReports(changed, dir);
  expect(problems).toContain("pkg.api.md: - function f: export declare function f(x: string): void;");
  expect(problems).toContain("pkg.api.md: + function f: export declare function f(x: number): void;");
  expect(problems).toContain("pkg.api.md: - variable gone: gone: 1");
  expect(problems).toContain("pkg.api.md: + variable added: added: 2");
  expect(compareReports(new Map([...changed, ["new.api.md", asReport([])]]), dir)).toContain(
    "new.api.md: new entry point, not in the report",
  );
});
