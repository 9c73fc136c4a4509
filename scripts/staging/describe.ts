// How the staging command reports what it wrote.
import type { StagedPackage } from "./stage-packages.js";

/** `1234` → `1.2 kB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What a staging step wrote: the package, where, and every file with its size. */
export function describeStaged(staged: StagedPackage): string {
  const total = staged.files.reduce((sum, file) => sum + file.size, 0);
  const width = Math.max(...staged.files.map((file) => file.path.length));
  const lines = [
    `staged ${staged.name}@${staged.version} in ${staged.dir} (${staged.files.length} files, ${formatSize(total)})`,
  ];
  for (const file of staged.files) lines.push(`  ${file.path.padEnd(width)}  ${formatSize(file.size)}`);
  for (const note of staged.notes) lines.push(`  note: ${note}`);
  return lines.join("\n");
}
