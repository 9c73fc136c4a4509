// The in-memory pairs (messages and bytes), both made of one generic pair: copies in order,
// everything in flight delivered before `closed`, both ends closed together.
import { describe, expect, it } from "vitest";
import { TransportClosedError } from "../../src/errors.js";
import { createInMemoryByteStreamPair } from "../../src/rpc/line-transport.js";
import { createInMemoryTransportPair } from "../../src/rpc/transport.js";

describe("createInMemoryTransportPair", () => {
  it("delivers JSON copies in order, all of them before closed resolves, and closes both ends", async () => {
    const [client, server] = createInMemoryTransportPair();
    const received: unknown[] = [];
    const sent = { id: 1, method: "a", params: { dropped: undefined } };
    await client.send(sent);
    await client.send({ id: 2, method: "b" });
    server.start({ message: (message) => received.push(message) });
    await client.closeWith({ exitCode: 3, stderrTail: "boom" });
    expect(received).toEqual([
      { id: 1, method: "a", params: {} },
      { id: 2, method: "b" },
    ]);
    expect(received[0]).not.toBe(sent);
    expect(await server.closed).toMatchObject({ exitCode: 3, signal: null, stderrTail: "boom" });
    expect(server.closed).toBe(client.closed);
    const error = await server.send({ id: 3 }).catch((caught: unknown) => caught);
    expect(TransportClosedError.isInstance(error)).toBe(true);
    expect(String((error as Error).message)).toContain("send after the in-memory transport closed");
    expect(() => server.start({ message: () => {} })).toThrow("Transport.start() was called twice.");
  });
});

describe("createInMemoryByteStreamPair", () => {
  it("delivers copies of the written bytes, and reports the close reason on both ends", async () => {
    const [writer, reader] = createInMemoryByteStreamPair();
    const chunks: Uint8Array[] = [];
    reader.start((chunk) => chunks.push(chunk));
    const bytes = new Uint8Array([1, 2, 3]);
    await writer.write(bytes);
    bytes[0] = 9;
    await reader.close();
    expect(chunks.map((chunk) => [...chunk])).toEqual([[1, 2, 3]]);
    expect((await writer.closed).reason).toBe("in-memory stream closed");
    await expect(writer.write(new Uint8Array([4]))).rejects.toThrow("write after the in-memory stream closed");
    expect(() => reader.start(() => {})).toThrow("ByteStream.start() was called twice.");
  });
});
