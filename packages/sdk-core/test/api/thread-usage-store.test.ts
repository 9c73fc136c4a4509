// The connection's per-thread token usage is let go of when the thread goes away.
import { describe, expect, test } from "vitest";
import { ThreadUsageStore } from "../../src/api/thread-state.js";
import type { Notification } from "../../src/index.js";
import { turnEvents as e } from "../support/wire.js";

describe("ThreadUsageStore", () => {
  for (const method of ["thread/archived", "thread/deleted", "thread/closed"]) {
    test(`drops a thread's usage on ${method}`, () => {
      const store = new ThreadUsageStore();
      store.observe(e.usage("turn-1", 10, "thread-1") as unknown as Notification);
      store.observe(e.usage("turn-2", 20, "thread-2") as unknown as Notification);
      expect(store.get("thread-1")?.total.totalTokens).toBe(10);
      store.observe({ method, params: { threadId: "thread-1" } } as unknown as Notification);
      expect(store.get("thread-1")).toBeNull();
      expect(store.get("thread-2")?.total.totalTokens).toBe(20);
      expect(store.size).toBe(1);
    });
  }
});
