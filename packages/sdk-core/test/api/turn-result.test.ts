// buildTurnResult: a completion still marked inProgress is reported as a failure that says so.
import type { Turn } from "@codex/protocol-types/experimental";
import { describe, expect, it } from "vitest";
import { buildTurnResult } from "../../src/api/turn-result.js";

describe("buildTurnResult", () => {
  it("keeps the terminal status of turn/completed", () => {
    const turn = { id: "t1", status: "interrupted", error: null, items: [] } as unknown as Turn;
    expect(buildTurnResult("th", turn, [])).toMatchObject({ status: "interrupted", error: null });
  });

  it("never reports inProgress for a finished turn", () => {
    const turn = { id: "t1", status: "inProgress", error: null, items: [] } as unknown as Turn;
    const result = buildTurnResult("th", turn, []);
    expect(result.status).toBe("failed");
    expect(result.error?.message).toContain("inProgress");
  });
});
