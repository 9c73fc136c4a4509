// An in-memory machine for the runtime lookup: which packages are installed where, which files
// exist, what `codex --version` prints. Each test builds the broken install it is about.
import path from "node:path";
import type { FileFacts, RuntimeHost } from "../../src/process/runtime-host.js";

/** The runtime version the fake machine's `@codex/sdk` is pinned to (a fixture, not the repository's pin). */
export const PINNED_RUNTIME_VERSION = "0.169.0";

export interface FakeHostOptions {
  platform?: string;
  arch?: string;
  env?: Record<string, string>;
  /** false: @codex/cli-bin is not installed at all; "absent": a host with no bundled runtime (sdk-core alone). */
  cliBin?: boolean | "absent";
  /** optionalDependencies of the installed @codex/cli-bin (default: every platform at `PINNED_RUNTIME_VERSION`). */
  cliBinOptionalDependencies?: Record<string, string>;
  /** Binaries outside any package: path -> `--version` output (or an Error to throw). */
  binaries?: Record<string, string | Error>;
}

export interface InstalledRuntimeOptions {
  version?: string;
  layoutVersion?: string;
  /** false: a manifest-only package (no codex-package.json, no binary). */
  withBinary?: boolean;
  withPathDir?: boolean;
  withResourcesDir?: boolean;
}

export const NODE_MODULES = path.resolve("/app/node_modules");
const ALL_PLATFORM_PACKAGES = ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-arm64", "win32-x64"];

export class FakeHost implements RuntimeHost {
  readonly platform: string;
  readonly arch: string;
  readonly env: Record<string, string>;
  readonly files = new Map<string, string>();
  readonly directories = new Set<string>();
  readonly versionCalls: string[] = [];
  readonly locateCliBin: RuntimeHost["locateCliBin"];
  private readonly cliBinInstalled: boolean;
  private readonly binaries: Record<string, string | Error>;

  constructor(options: FakeHostOptions = {}) {
    this.platform = options.platform ?? "linux";
    this.arch = options.arch ?? "x64";
    this.env = { ...options.env };
    this.cliBinInstalled = options.cliBin === true || options.cliBin === undefined;
    this.locateCliBin = options.cliBin === "absent" ? undefined : () => this.locateInstalledCliBin();
    this.binaries = {};
    for (const [file, output] of Object.entries(options.binaries ?? {})) this.addBinary(file, output);
    if (this.cliBinInstalled) {
      const optionalDependencies =
        options.cliBinOptionalDependencies ??
        Object.fromEntries(ALL_PLATFORM_PACKAGES.map((id) => [`@codex/cli-bin-${id}`, PINNED_RUNTIME_VERSION]));
      this.writeJson(path.join(NODE_MODULES, "@codex/cli-bin/package.json"), {
        name: "@codex/cli-bin",
        version: PINNED_RUNTIME_VERSION,
        optionalDependencies,
      });
    }
  }

  /** Installs `@codex/cli-bin-<id>` under node_modules; returns its directory. */
  installRuntime(id: string, options: InstalledRuntimeOptions = {}): string {
    const dir = path.join(NODE_MODULES, `@codex/cli-bin-${id}`);
    const version = options.version ?? PINNED_RUNTIME_VERSION;
    this.directories.add(dir);
    this.writeJson(path.join(dir, "package.json"), {
      name: `@codex/cli-bin-${id}`,
      version,
    });
    if (options.withBinary ?? true) {
      const exe = id.startsWith("win32") ? "codex.exe" : "codex";
      this.writeJson(path.join(dir, "codex-package.json"), {
        layoutVersion: 1,
        version: options.layoutVersion ?? version,
        entrypoint: `bin/${exe}`,
        pathDir: "codex-path",
        resourcesDir: "codex-resources",
      });
      this.files.set(path.join(dir, "bin", exe), "binary");
      if (options.withPathDir ?? true) this.directories.add(path.join(dir, "codex-path"));
      if (options.withResourcesDir ?? true) this.directories.add(path.join(dir, "codex-resources"));
    }
    return dir;
  }

  /** A binary at `file` whose `--version` prints `output`. */
  addBinary(file: string, output: string | Error): void {
    this.binaries[file] = output;
    this.files.set(path.resolve(file), "binary");
  }

  writeJson(file: string, value: unknown): void {
    this.files.set(path.resolve(file), JSON.stringify(value));
  }

  private async locateInstalledCliBin() {
    if (!this.cliBinInstalled) return undefined;
    return {
      packageDir: path.join(NODE_MODULES, "@codex/cli-bin"),
      resolve: (specifier: string) => {
        const file = path.join(NODE_MODULES, specifier);
        return this.files.has(file) ? file : undefined;
      },
    };
  }

  stat(file: string): FileFacts | undefined {
    const resolved = path.resolve(file);
    if (this.files.has(resolved)) return { isFile: true, isDirectory: false, size: 1, mtimeMs: 1 };
    if (this.directories.has(resolved)) return { isFile: false, isDirectory: true, size: 0, mtimeMs: 1 };
    return undefined;
  }

  readText(file: string): string | undefined {
    return this.files.get(path.resolve(file));
  }

  async runVersion(executable: string): Promise<string> {
    this.versionCalls.push(executable);
    const output = this.binaries[executable];
    if (output === undefined) throw Object.assign(new Error(`spawn ${executable} ENOENT`), { code: "ENOENT" });
    if (output instanceof Error) throw output;
    return output;
  }
}
