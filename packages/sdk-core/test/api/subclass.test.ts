// `Codex` can be extended: `@codex/sdk` does it to find its bundled runtime before starting. A
// subclass overrides `start()`, calls `super.start()`, and gets an instance of itself.
import { describe, expect, test } from "vitest";
import { Codex, type CodexOptions } from "../../src/index.js";
import { scriptedPair } from "../support/scripted-server.js";

class GreetingCodex extends Codex {
  static starts = 0;

  static override async start(options: CodexOptions = {}): Promise<GreetingCodex> {
    GreetingCodex.starts += 1;
    return (await super.start({ ...options, clientInfo: { name: "greeting", version: "1.0.0" } })) as GreetingCodex;
  }

  greeting(): string {
    return `hello from ${this.metadata.userAgent}`;
  }
}

describe("a subclass of Codex", () => {
  test("super.start() creates an instance of the subclass, with the subclass's options applied", {
    timeout: 10_000,
  }, async () => {
    const { clientEnd, server } = scriptedPair({ answerInitialize: true });
    await using codex = await GreetingCodex.start({ transport: clientEnd });
    expect(codex).toBeInstanceOf(GreetingCodex);
    expect(codex).toBeInstanceOf(Codex);
    expect(codex.greeting()).toContain("hello from");
    expect(GreetingCodex.starts).toBe(1);
    expect((await server.request("initialize")).params["clientInfo"]).toEqual({ name: "greeting", version: "1.0.0" });
  });
});
