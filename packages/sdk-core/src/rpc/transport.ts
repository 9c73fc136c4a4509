// The message-level contract between the JSON-RPC client and whatever carries its messages: a
// child process's stdio (line-framed, src/process/), a WebSocket (one message per frame,
// src/net/), or an in-memory pair for tests. The client knows nothing else about it.

import { createInMemoryPair, type InMemoryEnd } from "./in-memory-pair.js";

/** How a transport ended. Becomes the `TransportClosedError` of everything still pending. */
export interface TransportCloseInfo {
  /** Exit code of the server process, or null (killed by a signal, or not a process). */
  exitCode: number | null;
  /** Signal that ended the server process (e.g. "SIGKILL"), or null. */
  signal: string | null;
  /** The last lines the server wrote to stderr, or "". */
  stderrTail: string;
  /** Why it closed, in words (e.g. "closed by the client", "stdout ended"). */
  reason?: string | undefined;
  /** The error that closed it, if any. */
  error?: unknown;
}

/** A message that arrived but was not delivered, because it was larger than the transport allows. */
export interface DroppedMessage {
  /** Bytes seen when the limit was crossed (the message may be longer still). */
  bytes: number;
  /** The limit (`maxMessageBytes`). */
  maxBytes: number;
  /** The first characters of the message, to say what it was. */
  prefix: string;
  /** The id of the request it answers, when its start says so. */
  requestId?: number | string | undefined;
}

/** Receives what a transport reads. */
export interface TransportReceiver {
  /** One incoming JSON-RPC message, parsed (any JSON value: the client checks its shape). */
  message(message: unknown): void;
  /** A message too large to deliver was dropped; the client fails the request it answered. */
  dropped?(info: DroppedMessage): void;
  /**
   * The connection was lost, and the transport is connecting again (see `reconnect`): nothing
   * sent so far will be answered. Sending waits until the new connection is ready.
   */
  interrupted?(info: TransportCloseInfo): void;
  /**
   * True for an outgoing request the client no longer waits for (it timed out or was aborted).
   * A transport that holds messages while reconnecting drops such a request instead of sending it.
   */
  abandoned?(message: object): boolean;
}

/**
 * A duplex stream of JSON-RPC messages to one app-server. Framing is the transport's business:
 * the stdio transport writes one JSON text per line, a WebSocket one per text frame.
 *
 * Contract:
 * - `start(receiver)` is called once; messages that arrive earlier are kept and delivered then.
 * - every received message is delivered before `closed` resolves.
 * - `send` calls go out in call order; `send` rejects with `TransportClosedError` once closed.
 * - `close(reason)` is idempotent and resolves when the transport is fully closed (for a
 *   process: when the process has exited).
 * - `closed` resolves (never rejects) once, whoever closed it.
 */
export interface Transport {
  /** Starts the flow of incoming messages. */
  start(receiver: TransportReceiver): void;
  /** Sends one JSON-RPC message (a JSON-serialisable object). Resolves when it is handed to the underlying channel. */
  send(message: object): Promise<void>;
  /** Closes the transport; `reason` becomes `TransportCloseInfo.reason`. */
  close(reason?: string): Promise<void>;
  /** Resolves when the transport has closed, with how it ended. */
  readonly closed: Promise<TransportCloseInfo>;
}

/** One end of an in-memory transport pair. */
export interface InMemoryTransport extends Transport {
  /**
   * Closes both ends, reporting `info` (e.g. `{ exitCode: 1, stderrTail: "boom" }`) as how this
   * pair ended — the way a test simulates a crashed server.
   */
  closeWith(info: Partial<TransportCloseInfo>): Promise<void>;
}

/**
 * Two connected in-memory transports: a message sent on one arrives at the other,
 * asynchronously and in order, as a fresh copy (it goes through JSON, as on the wire). Use it
 * to unit-test code built on `AppServerClient` without a process: give one end to the client
 * and drive the other as a fake server.
 *
 * ```ts
 * const [clientEnd, serverEnd] = createInMemoryTransportPair();
 * const client = new AppServerClient(clientEnd);
 * serverEnd.start({ message: (request) => { ... serverEnd.send({ id, result }) ... } });
 * ```
 */
export function createInMemoryTransportPair(): [InMemoryTransport, InMemoryTransport] {
  const [a, b] = createInMemoryPair<unknown>({
    noun: "transport",
    interfaceName: "Transport",
    verb: "send",
    // Through JSON, as on a real wire: the receiver gets its own copy, without `undefined` fields.
    copy: (message) => JSON.parse(JSON.stringify(message)) as unknown,
  });
  return [transportEnd(a), transportEnd(b)];
}

function transportEnd(end: InMemoryEnd<unknown>): InMemoryTransport {
  return {
    closed: end.closed,
    start: (receiver) => end.start((message) => receiver.message(message)),
    send: (message) => end.post(message),
    close: (reason) => end.close(reason),
    closeWith: (info) => end.closeWith(info),
  };
}
