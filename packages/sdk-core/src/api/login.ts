// Interactive ChatGPT logins: the server starts a flow, the user finishes it in a browser, and
// `account/login/completed` reports the outcome. A handle ties the three together by `loginId`.
import type {
  AccountLoginCompletedNotification,
  CancelLoginAccountResponse,
  LoginAccountParams,
  LoginAccountResponse,
} from "@codex/protocol-types/experimental";
import { abortErrorFrom, CodexError } from "../errors.js";
import type { AppServerClient } from "../rpc/client.js";

/** How an interactive login ended: the `account/login/completed` notification. */
export type LoginResult = AccountLoginCompletedNotification;

/** Options of `LoginHandle.wait()`. */
export interface LoginWaitOptions {
  /** Aborting stops waiting, cancels the login on the server, and rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
}

/**
 * A login in progress. `wait()` resolves when the server reports the outcome (a cancelled or
 * failed login resolves too, with `success: false` and an `error`); `cancel()` stops it.
 */
export class LoginHandle {
  /** The server's id of this login flow. */
  readonly loginId: string;
  readonly #client: AppServerClient;
  readonly #outcome: Promise<LoginResult>;

  /** @internal Created by `codex.loginChatgpt()` / `codex.loginChatgptDeviceCode()`. */
  constructor(client: AppServerClient, loginId: string, outcome: Promise<LoginResult>) {
    this.#client = client;
    this.loginId = loginId;
    this.#outcome = outcome;
  }

  /** Waits for `account/login/completed` of this login. */
  async wait(options: LoginWaitOptions = {}): Promise<LoginResult> {
    const { signal } = options;
    if (!signal) return this.#outcome;
    if (signal.aborted) {
      await this.#cancelQuietly();
      throw abortErrorFrom(signal, "Waiting for the login");
    }
    let onAbort!: () => void;
    const aborted = new Promise<"aborted">((resolve) => {
      onAbort = () => resolve("aborted");
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const winner = await Promise.race([this.#outcome, aborted]);
      if (winner !== "aborted") return winner;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    await this.#cancelQuietly();
    throw abortErrorFrom(signal, "Waiting for the login");
  }

  /** Cancels the login (`account/login/cancel`); `wait()` then resolves with `success: false`. */
  cancel(): Promise<CancelLoginAccountResponse> {
    return this.#client.request("account/login/cancel", { loginId: this.loginId });
  }

  async #cancelQuietly(): Promise<void> {
    try {
      await this.cancel();
    } catch (error) {
      // Already finished or the connection is gone: nothing left to cancel.
      if (!CodexError.isInstance(error)) throw error;
    }
  }
}

/** A browser login: open `authUrl`; the server listens for the OAuth callback on loopback. */
export class ChatgptLogin extends LoginHandle {
  /** The URL the user opens in a browser to sign in. */
  readonly authUrl: string;

  /** @internal */
  constructor(client: AppServerClient, loginId: string, outcome: Promise<LoginResult>, authUrl: string) {
    super(client, loginId, outcome);
    this.authUrl = authUrl;
  }
}

/** A device-code login: the user opens `verificationUrl` on any device and enters `userCode`. */
export class ChatgptDeviceCodeLogin extends LoginHandle {
  /** The URL the user opens to authorize this device. */
  readonly verificationUrl: string;
  /** The one-time code the user enters there. */
  readonly userCode: string;

  /** @internal */
  constructor(
    client: AppServerClient,
    loginId: string,
    outcome: Promise<LoginResult>,
    verificationUrl: string,
    userCode: string,
  ) {
    super(client, loginId, outcome);
    this.verificationUrl = verificationUrl;
    this.userCode = userCode;
  }
}

/**
 * Sends `account/login/start` while already listening for `account/login/completed`, so an
 * outcome that arrives right after the response is not missed. Returns the response and a
 * promise of the outcome for the response's `loginId` (which rejects if the connection ends).
 */
export async function startLogin<T extends LoginAccountResponse>(
  client: AppServerClient,
  params: LoginAccountParams,
  closed: Promise<Error>,
): Promise<{ response: T; outcome: Promise<LoginResult> }> {
  const seen: LoginResult[] = [];
  let settle: ((result: LoginResult) => void) | undefined;
  const subscription = client.onNotification("account/login/completed", (params) => {
    if (settle) settle(params);
    else seen.push(params);
  });
  let response: T;
  try {
    response = (await client.request("account/login/start", params)) as T;
  } catch (error) {
    subscription[Symbol.dispose]();
    throw error;
  }
  const loginId = "loginId" in response ? response.loginId : undefined;
  const outcome = new Promise<LoginResult>((resolve, reject) => {
    const finish = (result: LoginResult): void => {
      subscription[Symbol.dispose]();
      resolve(result);
    };
    const early = seen.find((result) => result.loginId === loginId);
    if (early) return finish(early);
    settle = (result) => {
      if (result.loginId === loginId) finish(result);
    };
    void closed.then((error) => {
      subscription[Symbol.dispose]();
      reject(error);
    });
  });
  // Nobody may ever call wait(): keep an unobserved rejection from crashing the process.
  outcome.catch(() => {});
  return { response, outcome };
}
