// A Transport that wraps the real one and answers some requests itself with the reply an
// overloaded app-server sends (-32001 "Server overloaded; retry later."), so the example can show
// retryOnOverload at work deterministically. A real server sends this under a burst of requests.
import type { Transport, TransportReceiver } from "@codex/sdk/rpc";

/** Wraps `inner`; `refuse(method, count)` makes the next `count` requests of `method` fail as overloaded. */
export function overloadedTransport(inner: Transport): Transport & { refuse(method: string, count: number): void } {
  const refusals = new Map<string, number>();
  let receiver: TransportReceiver | undefined;
  return {
    refuse(method, count) {
      refusals.set(method, (refusals.get(method) ?? 0) + count);
    },
    start(target) {
      receiver = target;
      inner.start(target);
    },
    async send(message) {
      // Transports carry whole messages: answer this one here, or pass it on.
      const { id, method } = message as { id?: unknown; method?: string };
      const left = method === undefined ? 0 : (refusals.get(method) ?? 0);
      if (id === undefined || left === 0) return inner.send(message);
      refusals.set(method!, left - 1);
      const reply = { id, error: { code: -32001, message: "Server overloaded; retry later." } };
      setImmediate(() => receiver?.message(reply));
    },
    close: (reason) => inner.close(reason),
    get closed() {
      return inner.closed;
    },
  };
}
