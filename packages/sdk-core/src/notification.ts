// The `Notification` union: one member per server notification of the schema, plus one for
// methods the schema lacks (a newer server may send them).

import { SERVER_NOTIFICATION_METHODS } from "@codex/protocol-types/experimental";
import type {
  ServerNotificationMap,
  ServerNotificationMethod,
  ThreadNotificationMethod,
  TurnNotificationMethod,
} from "@codex/protocol-types/experimental";

/** A notification whose method is in the schema (or in `Methods`), with its typed `params`. */
export type KnownNotification<Methods extends ServerNotificationMethod = ServerNotificationMethod> = {
  [M in Methods]: {
    /** The notification method. */
    method: M;
    /** Its params, typed per method. */
    params: ServerNotificationMap[M];
    /** When the server emitted it, in ms since the epoch (codex 0.169 stamps every notification; not in the schema). */
    emittedAtMs?: number;
  };
}[Methods];

declare const unknownNotificationMethod: unique symbol;

/**
 * The type of `UnknownNotification.method`. At run time it is a plain string; its type is
 * deliberately not `string` so that `if (n.method === "turn/completed")` still narrows
 * `n.params` on the `Notification` union (a `string`-typed member would match every literal and
 * turn every `params` into `unknown`). Read it with `String(n.method)`, or narrow first with
 * `isUnknownNotification(n)`.
 */
export type UnknownNotificationMethod = { readonly [unknownNotificationMethod]: "UnknownNotificationMethod" };

/** A notification whose method this SDK's schema does not list (sent by a newer server). */
export interface UnknownNotification {
  /** The method name (a string at run time; see `UnknownNotificationMethod`). */
  method: UnknownNotificationMethod;
  /** Its params, unchecked. */
  params: unknown;
  /** When the server emitted it, in ms since the epoch (not in the schema). */
  emittedAtMs?: number;
}

/**
 * Every notification the app-server sends, as a discriminated union on `method`:
 * `if (n.method === "item/agentMessage/delta") write(n.params.delta)`.
 */
export type Notification = KnownNotification | UnknownNotification;

/**
 * A notification about a thread: its params name a turn (`TurnNotificationMethod`: items,
 * deltas, token usage, `turn/started`, `turn/completed`, ...) or only the thread
 * (`ThreadNotificationMethod`: status, name, resolved server requests, warnings), or its method
 * is one this SDK's schema does not know. Both method lists are derived from the schema by the
 * generator. What `thread.events()` and `goal.stream()` yield; account, config and process
 * notifications are not among them.
 */
export type ThreadNotification =
  | KnownNotification<TurnNotificationMethod | ThreadNotificationMethod>
  | UnknownNotification;

/**
 * What `turn.stream()` yields: the notifications that name this turn, and the thread's own
 * (which the SDK hands to the thread's running turn) — a `ThreadNotification`.
 */
export type TurnNotification = ThreadNotification;

const KNOWN_METHODS: ReadonlySet<string> = new Set<string>(SERVER_NOTIFICATION_METHODS);

/** True if the notification's method is not in this SDK's schema. */
export function isUnknownNotification(notification: Notification): notification is UnknownNotification {
  return !KNOWN_METHODS.has(notification.method as string);
}
