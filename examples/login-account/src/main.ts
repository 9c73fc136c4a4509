// Login and account. `codex.account()` says who is signed in and whether the active provider
// needs OpenAI credentials at all; `loginApiKey()` stores an API key in CODEX_HOME; `logout()`
// removes it. ChatGPT sign-in is interactive: the server hands out a URL (browser flow) or a
// code (device flow), and `login.wait()` resolves when the person has finished — or cancelled.
//
//   pnpm start                     API-key login, account, logout; a browser login started and cancelled
//   pnpm start -- --chatgpt        on a terminal: really sign in with ChatGPT in your browser
//   pnpm start -- --device-code    on a terminal: sign in with a device code (needs the network)
import { AbortError, Codex } from "@codex/sdk";
import {
  check,
  checkEqual,
  dim,
  exampleEnvironment,
  isInteractive,
  requestedMode,
  runExample,
} from "@codex/sdk-testing/examples";

await runExample("login-account", async () => {
  await using env = await exampleEnvironment();
  // Use codex's built-in OpenAI provider in this throwaway home: it is the one that needs a login.
  await using codex = await Codex.start({ ...env.options, config: { model_provider: "openai" } });
  const events: string[] = [];
  codex.client.onNotification("account/updated", ({ authMode }) => events.push(`account/updated ${authMode}`));

  const before = await codex.account();
  console.log(
    `signed out:  account ${JSON.stringify(before.account)}, requiresOpenaiAuth ${before.requiresOpenaiAuth}`,
  );
  checkEqual(before.account, null, "nobody is signed in to a fresh CODEX_HOME");
  check(before.requiresOpenaiAuth, "the OpenAI provider needs credentials");

  // Offline a made-up key is enough: codex stores it without calling the API.
  const { apiKey } = requestedMode();
  await codex.loginApiKey(apiKey ?? "sk-example-not-a-real-key");
  const after = await codex.account();
  console.log(`API key:     account ${JSON.stringify(after.account)}`);
  checkEqual(after.account, { type: "apiKey" }, "the account after loginApiKey()");

  if (apiKey !== undefined) {
    // Live: the stored key works for a real turn.
    const result = await (await codex.threadStart()).run("Say hello in three words.");
    console.log(`a turn with the stored key: ${result.status}: ${result.finalResponse}`);
    checkEqual(result.status, "completed", "a turn with the stored key");
  }

  await codex.logout();
  checkEqual((await codex.account()).account, null, "the account after logout()");
  console.log("logged out:  account null");
  checkEqual(events, ["account/updated apikey", "account/updated null"], "account/updated notifications");

  // ChatGPT in a browser: the server listens on loopback for the OAuth callback.
  if (process.argv.includes("--chatgpt") && isInteractive()) {
    const login = await codex.loginChatgpt();
    console.log(`\nOpen this URL to sign in (Ctrl-C to give up):\n${login.authUrl}`);
    // Ctrl-C cancels the login on the server (wait() then rejects with AbortError).
    const giveUp = new AbortController();
    process.once("SIGINT", () => giveUp.abort());
    try {
      const outcome = await login.wait({ signal: giveUp.signal });
      console.log(
        outcome.success
          ? `signed in: ${JSON.stringify((await codex.account()).account)}`
          : `not signed in: ${outcome.error}`,
      );
    } catch (error) {
      if (!AbortError.isInstance(error)) throw error;
      console.log("gave up; the login was cancelled");
    }
  } else {
    const login = await codex.loginChatgpt();
    console.log(`\nChatGPT login started: ${dim(`${login.authUrl.slice(0, 60)}…`)}`);
    await login.cancel();
    const outcome = await login.wait();
    console.log(`cancelled:   success ${outcome.success}, ${outcome.error}`);
    checkEqual(outcome.success, false, "a cancelled login does not succeed");
    checkEqual(outcome.loginId, login.loginId, "the outcome belongs to this login");
  }

  // ChatGPT with a device code: the server asks auth.openai.com for a code, so it needs the network.
  if (process.argv.includes("--device-code") && isInteractive()) {
    const login = await codex.loginChatgptDeviceCode();
    console.log(`\nOn any device, open ${login.verificationUrl} and enter ${login.userCode}`);
    const outcome = await login.wait();
    console.log(outcome.success ? "signed in" : `not signed in: ${outcome.error}`);
  }
});
