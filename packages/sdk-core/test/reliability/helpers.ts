// Tools of the reliability suite beyond the scripted server: a transport whose incoming bytes the
// test hands over itself, and a heap probe.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ByteStream } from "../../src/rpc/line-transport.js";
import type { TransportCloseInfo } from "../../src/rpc/transport.js";
import type { ClientMessage } from "../support/scripted-server.js";

/**
 * A byte stream whose incoming bytes the test feeds synchronously with `deliver`, so an exception
 * thrown by the client's reader surfaces right there instead of as an uncaught error. Wrap it in
 * `createLineTransport` for the client.
 */
export class ManualTransport implements ByteStream {
  readonly written: string[] = [];
  readonly closed: Promise<TransportCloseInfo>;
  #onData: ((chunk: Uint8Array) => void) | undefined;
  #resolveClosed!: (info: TransportCloseInfo) => void;
  #isClosed = false;
  readonly #decoder = new TextDecoder();

  constructor() {
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  start(onData: (chunk: Uint8Array) => void): void {
    this.#onData = onData;
  }

  deliver(chunk: Uint8Array): void {
    if (!this.#onData) throw new Error("the client never started the transport");
    this.#onData(chunk);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#isClosed) return Promise.reject(new Error("closed"));
    this.written.push(this.#decoder.decode(bytes));
    return Promise.resolve();
  }

  /** Every complete message the client wrote, parsed. */
  sentMessages(): ClientMessage[] {
    return this.written
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as ClientMessage);
  }

  close(): Promise<void> {
    return this.closeWith({});
  }

  closeWith(info: Partial<TransportCloseInfo>): Promise<void> {
    if (!this.#isClosed) {
      this.#isClosed = true;
      this.#resolveClosed({
        exitCode: info.exitCode ?? null,
        signal: info.signal ?? null,
        stderrTail: info.stderrTail ?? "",
        reason: info.reason ?? "closed",
      });
    }
    return this.closed.then(() => undefined);
  }
}

let gcFunction: (() => void) | undefined;

/** Runs a full garbage collection (enabling `gc` at run time if Node was started without --expose-gc). */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString("--expose-gc");
    gcFunction = runInNewContext("gc") as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
