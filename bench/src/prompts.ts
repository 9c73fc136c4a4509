// The argv and prompts shared by the bench's contenders. Kept apart from environment.ts so a
// worker process that needs them does not load @codex/sdk-testing (its memory would count as the client's).

/** argv given to the binary by every app-server contender (the SDK gets it as `launchArgs`). */
export const APP_SERVER_ARGV: readonly string[] = ["app-server"];

/** A prompt asking the fake model for a reply streamed as `count` deltas. */
export function deltasPrompt(count: number): string {
  return `deltas:${count}`;
}

/** The reply text the fake model streams for {@link deltasPrompt}. */
export function deltasText(count: number): string {
  let text = "";
  for (let index = 0; index < count; index += 1) text += `w${index} `;
  return text;
}
