// Loads the SDK under test from its built package, the way a user imports it. The benches run
// against `dist/` (run.ts builds it first), never against the TypeScript sources.

/** The parts of `@codex/sdk` the benches use, typed loosely so the bench harness runs even while
 * the SDK's surface is still growing (the bench is outside the test run and not type-checked in CI). */
export interface SdkModule {
  Codex: {
    start(options?: Record<string, unknown>): Promise<SdkCodex>;
  };
  AppServerClient: new (transport: unknown, options?: Record<string, unknown>) => SdkClient;
  /** Line framing over a byte stream: what the stdio transport does with a child's pipes. */
  createLineTransport(stream: unknown, options?: Record<string, unknown>): unknown;
}

export interface SdkCodex {
  threadStart(params?: Record<string, unknown>): Promise<SdkThread>;
  close(): Promise<void>;
  readonly client: SdkClient;
}

export interface SdkThread {
  readonly id: string;
  run(input: string, options?: Record<string, unknown>): Promise<{ status: string; text: string; items: unknown[] }>;
  turn(input: string, options?: Record<string, unknown>): Promise<SdkTurn>;
}

export interface SdkTurn {
  readonly id: string;
  stream(): AsyncIterable<{ method: string; params: any }>;
  run(): Promise<{ status: string; text: string }>;
}

export interface SdkClient {
  request(method: string, params: unknown, options?: unknown): Promise<any>;
  onNotification(method: string, handler: (params: any) => void): { [Symbol.dispose](): void } | { dispose(): void };
  close(): Promise<void>;
}

/** Imports `@codex/sdk` (the root entry and its `/rpc` layer, where `AppServerClient` and the
 * transports live), or explains why it cannot be benched yet. */
export async function loadSdk(): Promise<{ sdk: SdkModule } | { missing: string }> {
  try {
    // BENCH_SDK_MODULE points at another build (a patched copy) for before/after experiments.
    const specifier = process.env["BENCH_SDK_MODULE"] ?? "@codex/sdk";
    return checkSdk({ ...(await importRpc(specifier)), ...(await import(specifier)) });
  } catch (error) {
    return { missing: `@codex/sdk cannot be imported: ${(error as Error).message}` };
  }
}

/** A build's `/rpc` entry: `@codex/sdk/rpc`, or `rpc.js` beside a file path's `index.js`; a build
 * from before the entry existed has none (its root exported the same names). */
export async function importRpc(specifier: string): Promise<Record<string, unknown>> {
  const rpc = /index\.c?js$/.test(specifier) ? specifier.replace(/index(\.c?js)$/, "rpc$1") : `${specifier}/rpc`;
  try {
    return (await import(rpc)) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function checkSdk(module: Record<string, unknown>): { sdk: SdkModule } | { missing: string } {
  const sdk = module as Partial<SdkModule>;
  if (typeof sdk.Codex?.start !== "function") return { missing: "@codex/sdk does not export Codex.start" };
  if (typeof sdk.AppServerClient !== "function") return { missing: "@codex/sdk/rpc does not export AppServerClient" };
  if (typeof sdk.createLineTransport !== "function")
    return { missing: "@codex/sdk/rpc does not export createLineTransport" };
  return { sdk: sdk as SdkModule };
}
