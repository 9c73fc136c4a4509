// Type tests of the generated maps (run by `vitest run` through typecheck): each map is
// exhaustive against its union, params agree with the union's branch, params and results are
// precise (not `any`, and `unknown` only for a schema hole), unions narrow, and a misspelt method does not compile.
import { describe, expectTypeOf, test } from "vitest";
import type * as Experimental from "../src/experimental.js";
import type {
  CLIENT_NOTIFICATION_METHODS,
  CLIENT_REQUEST_METHODS,
  SERVER_NOTIFICATION_METHODS,
  SERVER_REQUEST_METHODS,
  ClientNotification,
  ClientNotificationMap,
  ClientNotificationMethod,
  ClientRequest,
  ClientRequestMap,
  ClientRequestMethod,
  CodexErrorInfo,
  ServerNotification,
  ServerNotificationMap,
  ServerNotificationMethod,
  ServerRequest,
  ServerRequestMap,
  ServerRequestMethod,
  ThreadForkResponse,
  ThreadItem,
  ThreadStartedNotification,
  ThreadStartParams,
  ThreadStartResponse,
  TurnCompletedNotification,
} from "../src/index.js";

/** Exact type equality (distinguishes `any`, `unknown`, optionality). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** True for `any` and `unknown`. */
type IsImprecise<T> = unknown extends T ? true : false;

/** The `params` of the union branch for method M (`undefined` when the branch has none). */
type BranchParams<Union, M> = Union extends { method: M }
  ? "params" extends keyof Union
    ? Union["params"]
    : undefined
  : never;

/** Methods of a request map whose params differ from the union branch's (null: "may be omitted"). */
type RequestParamsMismatch<Union, Map extends { [K in keyof Map]: { params: unknown } }> = {
  [M in keyof Map]: Equals<Exclude<BranchParams<Union, M>, null>, Map[M]["params"]> extends true ? never : M;
}[keyof Map];
/** Methods of a notification map whose params differ from the union branch's. */
type NotificationParamsMismatch<Union, Map> = {
  [M in keyof Map]: Equals<Exclude<BranchParams<Union, M>, null>, Map[M]> extends true ? never : M;
}[keyof Map];
/** True for `any` only. */
type IsAny<T> = 0 extends 1 & T ? true : false;
/**
 * Methods whose result is `any`/`never`, or `unknown` although the schema defines it. A request
 * without a result definition (a schema hole, listed in the generator's report) is `unknown`.
 */
type ImpreciseResults<Map extends { [K in keyof Map]: { result: unknown } }, Holes = never> = {
  [M in keyof Map]: IsAny<Map[M]["result"]> extends true
    ? M
    : IsImprecise<Map[M]["result"]> extends true
      ? M extends Holes
        ? never
        : M
      : [Map[M]["result"]] extends [never]
        ? M
        : never;
}[keyof Map];
/** Methods whose result is exactly `unknown`. */
type UnknownResults<Map extends { [K in keyof Map]: { result: unknown } }> = {
  [M in keyof Map]: IsAny<Map[M]["result"]> extends true
    ? never
    : IsImprecise<Map[M]["result"]> extends true
      ? M
      : never;
}[keyof Map];
/** The schema holes of the pinned runtime's schema (see the generator's report.json). */
type SchemaHoles = "modelProvider/default/set";
/** Methods whose params are `any`/`unknown`/`never`. */
type ImpreciseParams<Map> = {
  [M in keyof Map]: (Map[M] extends { params: infer P } ? P : Map[M]) extends infer P
    ? IsImprecise<P> extends true
      ? M
      : [P] extends [never]
        ? M
        : never
    : never;
}[keyof Map];

describe("stable surface", () => {
  test("each map has exactly the methods of its union", () => {
    expectTypeOf<ClientRequest["method"]>().toEqualTypeOf<keyof ClientRequestMap>();
    expectTypeOf<ServerRequest["method"]>().toEqualTypeOf<keyof ServerRequestMap>();
    expectTypeOf<ServerNotification["method"]>().toEqualTypeOf<keyof ServerNotificationMap>();
    expectTypeOf<ClientNotification["method"]>().toEqualTypeOf<keyof ClientNotificationMap>();
  });

  test("each method-name constant lists every method of its map", () => {
    expectTypeOf<(typeof CLIENT_REQUEST_METHODS)[number]>().toEqualTypeOf<ClientRequestMethod>();
    expectTypeOf<(typeof SERVER_REQUEST_METHODS)[number]>().toEqualTypeOf<ServerRequestMethod>();
    expectTypeOf<(typeof SERVER_NOTIFICATION_METHODS)[number]>().toEqualTypeOf<ServerNotificationMethod>();
    expectTypeOf<(typeof CLIENT_NOTIFICATION_METHODS)[number]>().toEqualTypeOf<ClientNotificationMethod>();
  });

  test("params agree with the union branch of every method", () => {
    expectTypeOf<RequestParamsMismatch<ClientRequest, ClientRequestMap>>().toBeNever();
    expectTypeOf<RequestParamsMismatch<ServerRequest, ServerRequestMap>>().toBeNever();
    expectTypeOf<NotificationParamsMismatch<ServerNotification, ServerNotificationMap>>().toBeNever();
    expectTypeOf<NotificationParamsMismatch<ClientNotification, ClientNotificationMap>>().toBeNever();
  });

  test("params and results are precise types", () => {
    expectTypeOf<ImpreciseParams<ClientRequestMap>>().toBeNever();
    expectTypeOf<ImpreciseParams<ServerRequestMap>>().toBeNever();
    expectTypeOf<ImpreciseParams<ServerNotificationMap>>().toBeNever();
    expectTypeOf<ImpreciseResults<ClientRequestMap, SchemaHoles>>().toBeNever();
    expectTypeOf<ImpreciseResults<ServerRequestMap>>().toBeNever();
  });

  test("a request whose result the schema does not define is typed unknown, not any", () => {
    expectTypeOf<UnknownResults<ClientRequestMap>>().toEqualTypeOf<SchemaHoles>();
    expectTypeOf<ClientRequestMap["modelProvider/default/set"]["result"]>().toBeUnknown();
  });

  test("known entries", () => {
    expectTypeOf<ClientRequestMap["thread/start"]>().toEqualTypeOf<{
      params: ThreadStartParams;
      result: ThreadStartResponse;
    }>();
    expectTypeOf<ClientRequestMap["thread/fork"]["result"]>().toEqualTypeOf<ThreadForkResponse>();
    expectTypeOf<ServerNotificationMap["turn/completed"]>().toEqualTypeOf<TurnCompletedNotification>();
    expectTypeOf<ClientNotificationMap["initialized"]>().toEqualTypeOf<undefined>();
    expectTypeOf<ClientRequestMap["account/logout"]["params"]>().toEqualTypeOf<undefined>();
  });

  test("a notification's params type is the payload, not the {method, params} envelope", () => {
    expectTypeOf<ThreadStartedNotification>().toHaveProperty("thread");
    expectTypeOf<ThreadStartedNotification>().not.toHaveProperty("method");
    expectTypeOf<
      Extract<ServerNotification, { method: "thread/started" }>["params"]
    >().toEqualTypeOf<ThreadStartedNotification>();
  });

  test("a misspelt method name does not compile", () => {
    // @ts-expect-error "thread/strat" is not a client request method
    const method: ClientRequestMethod = "thread/strat";
    // @ts-expect-error "turn/complete" is not a notification method
    type Misspelt = ServerNotificationMap["turn/complete"];
    expectTypeOf(method).toEqualTypeOf<ClientRequestMethod>();
    expectTypeOf<Misspelt>().toBeAny();
  });

  test("ThreadItem narrows on type", () => {
    expectTypeOf<string>().not.toExtend<ThreadItem["type"]>();
    const describeItem = (item: ThreadItem): string => {
      switch (item.type) {
        case "agentMessage":
          expectTypeOf(item.text).toEqualTypeOf<string>();
          return item.text;
        case "commandExecution":
          expectTypeOf(item.command).toEqualTypeOf<string>();
          return item.command;
        case "imageGeneration":
          // Two wire shapes share this tag: inline data or a stored file.
          expectTypeOf(item).toHaveProperty("status");
          return "fileId" in item ? item.fileId : item.result;
        default:
          // @ts-expect-error `text` exists only on some remaining variants
          return item.text;
      }
    };
    expectTypeOf(describeItem).returns.toEqualTypeOf<string>();
  });

  test("ServerNotification narrows on method", () => {
    const completedTurnId = (notification: ServerNotification): string | undefined => {
      if (notification.method === "turn/completed") {
        expectTypeOf(notification.params).toEqualTypeOf<TurnCompletedNotification>();
        return notification.params.turn.id;
      }
      return undefined;
    };
    expectTypeOf(completedTurnId).parameter(0).toEqualTypeOf<ServerNotification>();
  });

  test("CodexErrorInfo keeps its literals and admits unknown codes", () => {
    expectTypeOf<"serverOverloaded">().toExtend<CodexErrorInfo>();
    expectTypeOf<"someFutureCode">().toExtend<CodexErrorInfo>();
    expectTypeOf<CodexErrorInfo>().not.toBeAny();
    const status = (info: CodexErrorInfo): number | null | undefined =>
      typeof info === "object" && "httpConnectionFailed" in info ? info.httpConnectionFailed.httpStatusCode : undefined;
    expectTypeOf(status).returns.toEqualTypeOf<number | null | undefined>();
  });
});

describe("experimental surface", () => {
  test("each map has exactly the methods of its union", () => {
    expectTypeOf<Experimental.ClientRequest["method"]>().toEqualTypeOf<keyof Experimental.ClientRequestMap>();
    expectTypeOf<Experimental.ServerRequest["method"]>().toEqualTypeOf<keyof Experimental.ServerRequestMap>();
    expectTypeOf<Experimental.ServerNotification["method"]>().toEqualTypeOf<keyof Experimental.ServerNotificationMap>();
    expectTypeOf<Experimental.ClientNotification["method"]>().toEqualTypeOf<keyof Experimental.ClientNotificationMap>();
    expectTypeOf<
      (typeof Experimental.CLIENT_REQUEST_METHODS)[number]
    >().toEqualTypeOf<Experimental.ClientRequestMethod>();
    expectTypeOf<
      (typeof Experimental.SERVER_REQUEST_METHODS)[number]
    >().toEqualTypeOf<Experimental.ServerRequestMethod>();
    expectTypeOf<
      (typeof Experimental.SERVER_NOTIFICATION_METHODS)[number]
    >().toEqualTypeOf<Experimental.ServerNotificationMethod>();
    expectTypeOf<
      (typeof Experimental.CLIENT_NOTIFICATION_METHODS)[number]
    >().toEqualTypeOf<Experimental.ClientNotificationMethod>();
  });

  test("params agree with the union branch, params and results are precise", () => {
    expectTypeOf<RequestParamsMismatch<Experimental.ClientRequest, Experimental.ClientRequestMap>>().toBeNever();
    expectTypeOf<RequestParamsMismatch<Experimental.ServerRequest, Experimental.ServerRequestMap>>().toBeNever();
    expectTypeOf<
      NotificationParamsMismatch<Experimental.ServerNotification, Experimental.ServerNotificationMap>
    >().toBeNever();
    expectTypeOf<ImpreciseParams<Experimental.ClientRequestMap>>().toBeNever();
    expectTypeOf<ImpreciseResults<Experimental.ClientRequestMap, SchemaHoles>>().toBeNever();
    expectTypeOf<UnknownResults<Experimental.ClientRequestMap>>().toEqualTypeOf<SchemaHoles>();
    expectTypeOf<ImpreciseResults<Experimental.ServerRequestMap>>().toBeNever();
  });

  test("experimental-only methods exist only there", () => {
    expectTypeOf<"memory/reset">().toExtend<Experimental.ClientRequestMethod>();
    expectTypeOf<"memory/reset">().not.toExtend<ClientRequestMethod>();
    expectTypeOf<
      Experimental.ClientRequestMap["thread/start"]["result"]
    >().toEqualTypeOf<Experimental.ThreadStartResponse>();
  });
});
