// Image + text in one turn. An image item carries a URL: codex 0.169 accepts only inline
// `data:` URLs here (a remote https:// URL is rejected with InvalidRequestError), so the image
// travels inside the request.
import { Codex, InvalidRequestError } from "@codex/sdk";
import { reply } from "@codex/sdk-testing";
import { check, checkEqual, exampleEnvironment, runExample } from "@codex/sdk-testing/examples";

/** A 16×16 PNG, all one red. */
const RED_SQUARE_PNG =
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAFklEQVR4nGO4IydHEmIY1TCqYfhqAACaMxgQdGu1YAAAAABJRU5ErkJggg==";

await runExample("image-input", async () => {
  await using env = await exampleEnvironment();
  env.fake?.enqueue(reply.text("Red."));
  await using codex = await Codex.start(env.options);
  const thread = await codex.threadStart();

  const dataUrl = `data:image/png;base64,${RED_SQUARE_PNG}`;
  const result = await thread.run([
    { type: "text", text: "What colour is this image? Answer with one word." },
    // `detail` may be "auto", "high" or "original"; with "low" codex 0.169 drops the image and
    // tells the model "image content omitted" instead.
    { type: "image", url: dataUrl, detail: "auto" },
  ]);
  console.log(`> What colour is this image? [16×16 PNG]\n${result.finalResponse}`);

  check(result.status === "completed", `the turn should complete, got ${result.status}: ${result.error?.message}`);
  check(/red/i.test(result.finalResponse ?? ""), `the answer should say red, got ${result.finalResponse}`);

  // The items the turn recorded: the user message holds both parts, in order.
  const userMessage = result.items.find((item) => item.type === "userMessage");
  checkEqual(
    userMessage?.type === "userMessage" ? userMessage.content.map((part) => part.type) : [],
    ["text", "image"],
    "parts of the user message",
  );

  if (env.fake) {
    // What the model received: the text, then the image as an input_image with the same data URL.
    const input = JSON.stringify(env.fake.requests[0]?.body);
    check(input.includes(`"image_url":"${dataUrl}"`), "the model received the image as a data URL");
  }

  // A remote URL is refused by the server before anything reaches the model.
  try {
    await thread.run([
      { type: "text", text: "And this one?" },
      { type: "image", url: "https://example.com/cat.png" },
    ]);
    check(false, "a remote image URL should be rejected");
  } catch (error) {
    check(InvalidRequestError.isInstance(error), `expected InvalidRequestError, got ${String(error)}`);
    console.log(`remote URL: ${error.serverMessage}`);
  }
});
