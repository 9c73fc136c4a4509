// Release rehearsal, type matrix: copied as probe.ts / probe.mts / probe.cts into one project per
// TypeScript resolution mode and type-checked with skipLibCheck: true (what `tsc --init` gives).
// If a mode loses the protocol types (or those of the subpath @codex/sdk-testing/examples), they
// become `any`: the misspelt field below then compiles, its @ts-expect-error is unused, and tsc
// fails.
import { Codex, type Notification, type ThreadItem, type TurnResult } from "@codex/sdk";
import { check, exampleEnvironment } from "@codex/sdk-testing/examples";

export function deltaOf(notification: Notification): string {
  if (notification.method === "item/agentMessage/delta") {
    const delta: string = notification.params.delta;
    // @ts-expect-error a misspelt field must not type-check
    void notification.params.deltaTYPO;
    return delta;
  }
  return "";
}

export function messageText(item: ThreadItem): string | undefined {
  // @ts-expect-error ThreadItem is a union tagged by `type`: no field `text` before narrowing
  void item.txt;
  return item.type === "agentMessage" ? item.text : undefined;
}

export function statusOf(result: TurnResult): "done" | "not done" {
  // @ts-expect-error a finished turn is never inProgress
  if (result.status === "inProgress") return "not done";
  return result.status === "completed" ? "done" : "not done";
}

export const start: typeof Codex.start = Codex.start;

// The examples' harness is a subpath: node10 finds its types only through `typesVersions`.
export async function exampleMode(): Promise<"offline" | "live"> {
  const env = await exampleEnvironment({ announce: false });
  // @ts-expect-error a check's message is a string
  check(env.offline, 42);
  return env.mode;
}
