// The one hook the JSON-RPC client calls for observability (tracing, metrics): what it sends,
// what the server asks, what it hears. Absent, the client does nothing more than read an
// undefined field per message. `@codex/sdk-core/otel` implements it with OpenTelemetry.

import type { W3cTraceContext } from "@codex/protocol-types";
import type { Notification } from "../notification.js";

/** How one client request ended, as given to {@link RequestObservation.end}. */
export type RequestOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** One request being observed, from the call to its settlement. */
export interface RequestObservation {
  /**
   * W3C trace context sent in the request envelope's `trace` field, so the server's own spans
   * join the caller's trace. Read once, when the request is made.
   */
  readonly trace?: W3cTraceContext | undefined;
  /** Called once, when the request settles: the server's result, or the error it rejects with. */
  end(outcome: RequestOutcome): void;
}

/** What the client reports of one server request (an approval, a question). */
export interface ServerRequestStart {
  readonly requestId: string | number;
  readonly method: string;
  readonly params: unknown;
  /**
   * Aborts when the request no longer wants a reply: the server resolved it itself, the client
   * closed, or (on `codex.client`, whose `Codex` follows turns) its turn ended.
   */
  readonly signal: AbortSignal;
}

/** A reply the client sends to a server request. */
export interface ServerRequestReply {
  readonly id: string | number;
  readonly result?: unknown;
  readonly error?: unknown;
}

/**
 * Observes a client's traffic. Every member is optional and called synchronously, in the
 * caller's context (so a tracer's active span is the caller's); it must not block. A member that
 * throws is logged (once) and skipped: it never breaks the connection or a request. Pass it as
 * `instrumentation` to `Codex.start()` or `new AppServerClient()`.
 */
export interface ClientInstrumentation {
  /**
   * A request is being made (called once per `request()` call, before it is queued; retries of an
   * overloaded request are the same request).
   */
  request?(method: string, params: unknown): RequestObservation | undefined;
  /** The server asked something; the handler has not run yet. */
  serverRequest?(start: ServerRequestStart): void;
  /**
   * The client replies to a server request (the handler's answer, or the safe reply). Not called
   * when the request stopped wanting a reply (its `signal` aborted).
   */
  serverReply?(reply: ServerRequestReply): void;
  /** A notification arrived, before any handler sees it. */
  notification?(notification: Notification): void;
  /**
   * The connection ended, for good or until a reconnect: turns in flight get no more events
   * (requests in flight are rejected and reported through their `end`).
   */
  closed?(): void;
}

/**
 * `instrumentation` with every hook made safe to call from the client's read loop: a hook that
 * throws is reported to `report` (once per hook) and skipped, never breaking the connection or
 * rejecting a request. Hooks the instrumentation lacks stay absent.
 */
export function guardInstrumentation(
  instrumentation: ClientInstrumentation,
  report: (message: string, error: unknown) => void,
): ClientInstrumentation {
  const reported = new Set<string>();
  const fail = (hook: string, error: unknown): undefined => {
    if (!reported.has(hook)) {
      reported.add(hook);
      report(
        `The instrumentation's ${hook}() threw; the client goes on without it for that call: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
    return undefined;
  };
  const guarded: ClientInstrumentation = {};
  const { request, serverRequest, serverReply, notification, closed } = instrumentation;
  if (request !== undefined) {
    guarded.request = (method, params) => {
      let observation: RequestObservation | undefined;
      try {
        observation = request.call(instrumentation, method, params);
      } catch (error) {
        return fail("request", error);
      }
      if (observation === undefined) return undefined;
      const inner = observation;
      return {
        trace: inner.trace,
        end(outcome) {
          try {
            inner.end(outcome);
          } catch (error) {
            fail("end", error);
          }
        },
      };
    };
  }
  if (serverRequest !== undefined) {
    guarded.serverRequest = (start) => {
      try {
        serverRequest.call(instrumentation, start);
      } catch (error) {
        fail("serverRequest", error);
      }
    };
  }
  if (serverReply !== undefined) {
    guarded.serverReply = (reply) => {
      try {
        serverReply.call(instrumentation, reply);
      } catch (error) {
        fail("serverReply", error);
      }
    };
  }
  if (notification !== undefined) {
    guarded.notification = (message) => {
      try {
        notification.call(instrumentation, message);
      } catch (error) {
        fail("notification", error);
      }
    };
  }
  if (closed !== undefined) {
    guarded.closed = () => {
      try {
        closed.call(instrumentation);
      } catch (error) {
        fail("closed", error);
      }
    };
  }
  return guarded;
}
