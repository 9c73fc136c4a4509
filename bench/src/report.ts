// Renders results as the Markdown of bench/RESULTS.md.
import type { MachineDescription } from "./machine.js";
import { describeRounds } from "./load.js";
import type { BenchResult } from "./result.js";

/** Everything one `pnpm bench` run wrote. */
export interface BenchReport {
  machine: MachineDescription;
  benches: BenchResult[];
}

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return "—";
  if (unit === "lines/s") return `${Math.round(value).toLocaleString("en-US")}`;
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatExtra(extra: Record<string, number | string | boolean> | undefined): string {
  if (!extra) return "";
  return Object.entries(extra)
    .map(([key, value]) => `${key} ${typeof value === "number" ? value.toLocaleString("en-US") : String(value)}`)
    .join("; ");
}

/** The Markdown report. */
export function renderMarkdown(report: BenchReport, chartFile: string | undefined, closingNote?: string): string {
  const m = report.machine;
  const lines: string[] = [
    "# Benchmarks",
    "",
    "Written by `pnpm bench` (`bench/run.ts`); raw samples in `bench/results/latest.json`. Every comparison ran",
    "interleaved in one run (contenders alternate round by round, rotating order) and is reported as a ratio of medians.",
    "These numbers come from one machine shared with other work; treat small differences (a few %) as noise. Each round",
    "records how many cores the rest of the machine kept busy; rounds under heavy load are flagged under each bench.",
    "",
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${m.cpuModel} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| codex | ${m.codexVersion} |`,
    `| @openai/codex-sdk | ${m.codexSdkVersion} |`,
    `| load average at start | ${m.loadAverageAtStart.join(", ")} (1, 5, 15 min) |`,
    ...(m.loadDuringRun
      ? [
          `| load during the run | 1-min load ${m.loadDuringRun.min}–${m.loadDuringRun.max}, median ${m.loadDuringRun.median} (${m.loadDuringRun.samples} samples; ${m.cores} cores) |`,
        ]
      : []),
    ...(m.benchHome ? [`| bench home | ${m.benchHome} |`] : []),
    `| date | ${m.date} |`,
    "",
  ];
  if (chartFile) lines.push(`![Benchmark chart](${chartFile})`, "");
  lines.push("## Summary", "", "| bench | ratio | value | target | met |", "|---|---|---:|---|---|");
  for (const bench of report.benches) {
    for (const ratio of bench.ratios) {
      lines.push(
        `| ${bench.title} | ${ratio.label} | ${ratio.value.toFixed(3)} | ${ratio.target ?? ""} | ${ratio.met === undefined ? "" : ratio.met ? "yes" : "**no**"} |`,
      );
    }
  }
  lines.push("");
  for (const bench of report.benches) {
    lines.push(`## ${bench.title}`, "", bench.method, "");
    if (bench.skipped) lines.push(`> ${bench.skipped}`, "");
    const better = bench.higherIsBetter ? "higher is better" : "lower is better";
    lines.push(
      `| contender | n | median (${bench.unit}) | p95 | min | max | notes |`,
      "|---|---:|---:|---:|---:|---:|---|",
    );
    for (const c of bench.contenders) {
      const s = c.summary;
      lines.push(
        `| ${c.label} | ${s.n} | ${formatValue(s.median, bench.unit)} | ${formatValue(s.p95, bench.unit)} | ${formatValue(s.min, bench.unit)} | ${formatValue(s.max, bench.unit)} | ${formatExtra(c.extra)} |`,
      );
    }
    lines.push(
      "",
      `(${better}; bench took ${(bench.durationMs / 1000).toFixed(0)} s${bench.ranAt ? `, finished ${bench.ranAt}` : ""})`,
      "",
    );
    for (const ratio of bench.ratios) {
      lines.push(
        `- **${ratio.label}: ${ratio.value.toFixed(3)}**${ratio.target ? ` (target ${ratio.target}: ${ratio.met ? "met" : "missed"})` : ""}`,
      );
    }
    for (const note of bench.notes) lines.push(`- ${note}`);
    if (bench.rounds && bench.rounds.length > 0) lines.push(`- ${describeRounds(bench.rounds)}`);
    lines.push("");
  }
  if (closingNote)
    lines.push(
      "## Closing note",
      "",
      "(hand-written in `bench/closing-note.md`, about the run above)",
      "",
      closingNote.trim(),
      "",
    );
  return lines.join("\n");
}
