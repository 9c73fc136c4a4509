// Login handles against a scripted server: the outcome is tied to the login by its id, and a
// login whose outcome cannot arrive is refused up front instead of waiting forever.
import { describe, expect, test } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import { startScripted, type ScriptedServer } from "../support/scripted-server.js";

function answerLogins(server: ScriptedServer): void {
  server.on("account/login/start", (request, s) =>
    s.reply(
      request.id,
      request.params["type"] === "chatgpt"
        ? { type: "chatgpt", loginId: "login-1", authUrl: "http://127.0.0.1:1/auth" }
        : {
            type: "chatgptDeviceCode",
            loginId: "login-2",
            verificationUrl: "http://127.0.0.1:1/device",
            userCode: "ABCD",
          },
    ),
  );
}

describe("interactive logins", () => {
  test("wait() resolves with the outcome of its own login only", { timeout: 10_000 }, async () => {
    await using t = await startScripted(answerLogins);
    const login = await t.codex.loginChatgpt();
    expect(login.authUrl).toBe("http://127.0.0.1:1/auth");
    await t.server.notify("account/login/completed", { loginId: "another", success: true, error: null });
    await t.server.notify("account/login/completed", { loginId: "login-1", success: false, error: "cancelled" });
    await expect(login.wait()).resolves.toMatchObject({ loginId: "login-1", success: false });
  });

  test("with account/login/completed opted out, a login is refused before anything is sent", {
    timeout: 10_000,
  }, async () => {
    await using t = await startScripted(answerLogins, { optOutNotifications: ["account/login/completed"] });
    await expect(t.codex.loginChatgpt()).rejects.toSatisfy(
      (error) => InvalidInputError.isInstance(error) && /optOutNotifications/.test((error as Error).message),
    );
    await expect(t.codex.loginChatgptDeviceCode()).rejects.toSatisfy((error) => InvalidInputError.isInstance(error));
    expect(t.server.requests.map((request) => request.method)).toEqual(["initialize"]);
  });
});
