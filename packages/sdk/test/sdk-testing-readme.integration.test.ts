// The reply-function example of @codex/sdk-testing's README, run as written against the real
// app-server: the fake model answers from what codex sent, a tool call included.
import { createTestEnvironment, reply, resolveCodexBin, type RecordedRequest } from "@codex/sdk-testing";
import { expect, it } from "vitest";
import { Codex } from "../src/index.js";

function answer(request: RecordedRequest) {
  if (!/weather/i.test(request.prompt ?? "")) return reply.text(`You said: ${request.prompt}`);
  // After the tool call, codex asks again with the command's output (and the whole history).
  const ran = request.toolOutputs.some((tool) => tool.output.includes("sunny"));
  return ran ? reply.text("It is sunny.") : reply.toolCall({ cmd: "echo sunny" });
}

it("scripts the fake model with a reply function", { timeout: 60_000 }, async () => {
  // In this repository the runtime packages hold no binary: the pinned development one.
  const codexBin = resolveCodexBin();
  await using env = await createTestEnvironment({ fakeModel: { defaultReply: answer } });
  await using codex = await Codex.start({ ...env, codexBin });
  const thread = await codex.threadStart();
  expect((await thread.run("What is the weather?")).finalResponse).toBe("It is sunny.");
  expect((await thread.run("Hello")).finalResponse).toBe("You said: Hello");
  expect(env.fakeModel.requests.map((request) => request.prompt)).toEqual([
    "What is the weather?",
    "What is the weather?",
    "Hello",
  ]);
});
