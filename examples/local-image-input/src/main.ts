// A local image file + text in one turn. `{ type: "localImage", path }` names a file on this
// machine: the SDK checks that it exists before sending (a relative path resolves against the
// current directory), and codex reads it and sends it to the model inline.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Codex, InvalidInputError } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

const IMAGE = path.join(import.meta.dirname, "..", "assets", "red-square.png");

await runExample("local-image-input", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(reply.text("Red."));
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  const result = await thread.run([
    { type: "text", text: "What colour is this image? Answer with one word." },
    { type: "localImage", path: IMAGE },
  ]);
  console.log(`> What colour is this image? [${path.basename(IMAGE)}]\n${result.finalResponse}`);

  check(result.status === "completed", `the turn should complete, got ${result.status}: ${result.error?.message}`);
  check(/red/i.test(result.finalResponse ?? ""), `the answer should say red, got ${result.finalResponse}`);
  const userMessage = result.items.find((item) => item.type === "userMessage");
  check(
    userMessage?.type === "userMessage" &&
      userMessage.content.some((part) => part.type === "localImage" && part.path === IMAGE),
    "the user message records the local image by its absolute path",
  );

  if (env.fake) {
    // Codex inlined the file: the model got its bytes as a base64 data URL.
    const base64 = (await readFile(IMAGE)).toString("base64");
    check(
      JSON.stringify(env.fake.requests[0]?.body).includes(`data:image/png;base64,${base64}`),
      "the model received the file's bytes inline",
    );
  }

  // A missing file is caught locally, before any request: nothing reaches the server.
  const requestsBefore = env.fake?.requests.length;
  try {
    await thread.run([
      { type: "text", text: "And this?" },
      { type: "localImage", path: "no-such-image.png" },
    ]);
    check(false, "a missing image file should be rejected");
  } catch (error) {
    check(InvalidInputError.isInstance(error), `expected InvalidInputError, got ${String(error)}`);
    console.log(`missing file: ${error.message}`);
  }
  check(env.fake?.requests.length === requestsBefore, "nothing was sent for the missing file");
});
