// The types a user names come from @codex/sdk itself: the wire types (no transitive import of
// @codex/protocol-types) and a TurnResult status a switch covers in three cases.
import { describe, expectTypeOf, test } from "vitest";
import type {
  TerminalTurnStatus,
  ThreadItem,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnResult,
  TurnStatus,
  UserInput,
  CodexErrorInfo,
  CommandExecutionRequestApprovalParams,
  Notification,
  ServerRequestHandlers,
} from "../src/index.js";

/** The params of one notification, as users had to spell them before the re-exports. */
type ParamsOf<M extends Notification["method"]> = Extract<Notification, { method: M }>["params"];

describe("wire types re-exported from @codex/sdk", () => {
  test("are the types the notifications and handlers carry", () => {
    expectTypeOf<ThreadItem>().toEqualTypeOf<ParamsOf<"item/completed">["item"]>();
    expectTypeOf<Turn>().toEqualTypeOf<ParamsOf<"turn/completed">["turn"]>();
    expectTypeOf<TurnStatus>().toEqualTypeOf<ParamsOf<"turn/completed">["turn"]["status"]>();
    expectTypeOf<TurnError | null | undefined>().toEqualTypeOf<ParamsOf<"turn/completed">["turn"]["error"]>();
    expectTypeOf<ThreadTokenUsage>().toEqualTypeOf<ParamsOf<"thread/tokenUsage/updated">["tokenUsage"]>();
    expectTypeOf<UserInput[]>().toEqualTypeOf<Extract<ThreadItem, { type: "userMessage" }>["content"]>();
    expectTypeOf<CodexErrorInfo | null | undefined>().toEqualTypeOf<TurnError["codexErrorInfo"]>();
    expectTypeOf<CommandExecutionRequestApprovalParams>().toEqualTypeOf<
      Parameters<NonNullable<ServerRequestHandlers["item/commandExecution/requestApproval"]>>[0]
    >();
  });
});

describe("TurnResult.status", () => {
  test("holds only the terminal statuses", () => {
    expectTypeOf<TurnResult["status"]>().toEqualTypeOf<TerminalTurnStatus>();
    expectTypeOf<TerminalTurnStatus>().toEqualTypeOf<"completed" | "interrupted" | "failed">();
  });

  test("an exhaustive switch needs no dead branch", () => {
    function describeStatus(result: TurnResult): string {
      switch (result.status) {
        case "completed":
          return "done";
        case "interrupted":
          return "stopped";
        case "failed":
          return result.error?.message ?? "failed";
        default: {
          // TurnResult is a union on `status` (a completed turn has its typed `output`), so the
          // exhausted switch narrows the whole result to never.
          const unreachable: never = result;
          return unreachable;
        }
      }
    }
    expectTypeOf(describeStatus).returns.toEqualTypeOf<string>();
  });
});
