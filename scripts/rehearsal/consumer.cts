// Release rehearsal, TypeScript consumer (CommonJS): the same packages seen through require()
// and their .d.cts declarations.
import sdk = require("@codex/sdk");
import rpc = require("@codex/sdk/rpc");
import testing = require("@codex/sdk-testing");
import examples = require("@codex/sdk-testing/examples");

export async function hello(): Promise<string | null> {
  const env = await testing.createTestEnvironment();
  env.fakeModel.enqueue(testing.reply.text("typed"));
  const codex: sdk.Codex = await sdk.Codex.start({ ...env });
  try {
    const result: sdk.TurnResult = await (await codex.threadStart()).run("Say hello");
    return result.finalResponse;
  } catch (error) {
    if (sdk.RuntimeNotFoundError.isInstance(error)) throw new Error(`install ${error.packageName}`);
    throw error;
  } finally {
    await codex.close();
    await env.dispose();
  }
}

export const pinned: string = sdk.PINNED_RUNTIME_VERSION;

export const mode: "offline" | "live" = examples.requestedMode({}).mode;

/** The low-level entry's types reach CommonJS consumers too (`typesVersions` for node10). */
export function transports(): [rpc.Transport, rpc.Transport] {
  return rpc.createInMemoryTransportPair();
}
