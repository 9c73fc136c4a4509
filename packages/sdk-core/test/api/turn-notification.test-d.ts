// turn.stream() is typed with the notifications that name a turn or its thread — lists the
// generator derives from the schema — not the whole Notification union.
import type {
  ServerNotificationMethod,
  ThreadNotificationMethod,
  TurnNotificationMethod,
} from "@codex/protocol-types/experimental";
import { describe, expectTypeOf, test } from "vitest";
import type {
  GoalHandle,
  Notification,
  Thread,
  ThreadNotification,
  TurnHandle,
  TurnNotification,
  UnknownNotification,
} from "../../src/index.js";

declare const turn: TurnHandle;
declare const thread: Thread;
declare const goal: GoalHandle;

describe("turn and thread notification types", () => {
  test("turn.stream(), thread.events() and goal.stream() yield ThreadNotification", () => {
    expectTypeOf(turn.stream()).toEqualTypeOf<AsyncGenerator<TurnNotification, void, undefined>>();
    expectTypeOf(thread.events()).toEqualTypeOf<AsyncIterableIterator<ThreadNotification>>();
    expectTypeOf(goal.stream()).toEqualTypeOf<AsyncGenerator<ThreadNotification, void, undefined>>();
    expectTypeOf<TurnNotification>().toExtend<Notification>();
    expectTypeOf<UnknownNotification>().toExtend<TurnNotification>();
  });

  test("the generated method lists split the schema's notifications by what they name", () => {
    expectTypeOf<"item/agentMessage/delta">().toExtend<TurnNotificationMethod>();
    expectTypeOf<"turn/completed">().toExtend<TurnNotificationMethod>();
    expectTypeOf<"thread/goal/updated">().toExtend<TurnNotificationMethod>();
    expectTypeOf<"thread/status/changed">().toExtend<ThreadNotificationMethod>();
    expectTypeOf<"serverRequest/resolved">().toExtend<ThreadNotificationMethod>();
    expectTypeOf<"account/rateLimits/updated">().not.toExtend<TurnNotificationMethod | ThreadNotificationMethod>();
    expectTypeOf<"configWarning">().not.toExtend<TurnNotificationMethod | ThreadNotificationMethod>();
    expectTypeOf<TurnNotificationMethod | ThreadNotificationMethod>().toExtend<ServerNotificationMethod>();
  });

  test("a turn's events narrow on method; connection-wide methods are not among them", async () => {
    for await (const n of turn.stream()) {
      if (n.method === "item/agentMessage/delta") expectTypeOf(n.params.delta).toEqualTypeOf<string>();
      if (n.method === "thread/status/changed") expectTypeOf(n.params.threadId).toEqualTypeOf<string>();
      // @ts-expect-error account notifications never reach a turn
      if (n.method === "account/rateLimits/updated") void n;
      // @ts-expect-error nor do config warnings
      if (n.method === "configWarning") void n;
    }
  });
});
