// A Transport that wraps the real one and answers some requests itself with the reply an
// overloaded app-server sends (-32001 "Server overloaded; retry later."), so the example can show
// retryOnOverload at work deterministically. A real server sends this under a burst of requests.
import type { Transport } from "@codex/sdk";

/** Wraps `inner`; `refuse(method, count)` makes the next `count` requests of `method` fail as overloaded. */
export function overloadedTransport(inner: Transport): Transport & { refuse(method: string, count: number): void } {
  const refusals = new Map<string, number>();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let deliver: ((chunk: Uint8Array) => void) | undefined;
  // Our replies must not land in the middle of a line the server is still sending.
  let midLine = false;
  const queued: Uint8Array[] = [];
  const flush = (): void => {
    while (!midLine && deliver && queued.length > 0) deliver(queued.shift()!);
  };
  return {
    refuse(method, count) {
      refusals.set(method, (refusals.get(method) ?? 0) + count);
    },
    start(onData) {
      deliver = onData;
      inner.start((chunk) => {
        onData(chunk);
        midLine = chunk.length > 0 && chunk[chunk.length - 1] !== 0x0a;
        flush();
      });
    },
    async write(bytes) {
      // The client writes one message per call, ending in a newline.
      const message = JSON.parse(decoder.decode(bytes)) as { id?: unknown; method?: string };
      const left = message.method === undefined ? 0 : (refusals.get(message.method) ?? 0);
      if (message.id === undefined || left === 0) return inner.write(bytes);
      refusals.set(message.method!, left - 1);
      const reply = { id: message.id, error: { code: -32001, message: "Server overloaded; retry later." } };
      queued.push(encoder.encode(`${JSON.stringify(reply)}\n`));
      setImmediate(flush);
    },
    close: () => inner.close(),
    get closed() {
      return inner.closed;
    },
  };
}
