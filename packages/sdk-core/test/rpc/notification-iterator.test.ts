// BufferedIterator: the core that `notifications()` and `thread.events()` share.
import { describe, expect, it } from "vitest";
import { NotificationBufferOverflowError } from "../../src/errors.js";
import { BufferedIterator } from "../../src/rpc/notification-iterator.js";

function iterator(maxBuffered = Number.POSITIVE_INFINITY): { it: BufferedIterator<number>; finished: () => number } {
  let finishes = 0;
  const it = new BufferedIterator<number>({
    caller: "test()",
    maxBuffered,
    overflowMessage: () => `more than ${maxBuffered}`,
    onFinish: () => finishes++,
  });
  return { it, finished: () => finishes };
}

describe("BufferedIterator", () => {
  it("yields the buffered values, then throws the finishing error once, then is done", async () => {
    const { it: values, finished } = iterator();
    values.push(1);
    values.push(2);
    const failure = new Error("gone");
    values.finish(failure);
    values.push(3);
    expect(await values.next()).toEqual({ value: 1, done: false });
    expect(await values.next()).toEqual({ value: 2, done: false });
    await expect(values.next()).rejects.toBe(failure);
    expect(await values.next()).toEqual({ value: undefined, done: true });
    expect(finished()).toBe(1);
  });

  it("hands a pushed value to a waiting next() and names its caller when next() is called twice", async () => {
    const { it: values } = iterator();
    const first = values.next();
    await expect(values.next()).rejects.toThrow("test(): next() called again");
    values.push(7);
    expect(await first).toEqual({ value: 7, done: false });
  });

  it("ends with NotificationBufferOverflowError after maxBuffered unread values", async () => {
    const { it: values, finished } = iterator(2);
    for (const value of [1, 2, 3, 4]) values.push(value);
    expect(finished()).toBe(1);
    expect(await values.next()).toEqual({ value: 1, done: false });
    expect(await values.next()).toEqual({ value: 2, done: false });
    const error = await values.next().catch((caught: unknown) => caught);
    expect(NotificationBufferOverflowError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe("more than 2");
  });

  it("return() drops the buffer and the pending error, and finishes once", async () => {
    const { it: values, finished } = iterator();
    values.push(1);
    values.finish(new Error("not thrown"));
    expect(await values.return()).toEqual({ value: undefined, done: true });
    expect(await values.next()).toEqual({ value: undefined, done: true });
    expect(finished()).toBe(1);
  });
});
