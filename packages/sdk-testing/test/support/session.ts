// One real app-server against one fake model in a fresh CODEX_HOME, tracked for the leak check.
import { createCodexHome, type CodexHomeOptions, type TestCodexHome } from "../../src/codex-home.js";
import { startFakeModel, type FakeModel, type FakeModelOptions } from "../../src/fake-model.js";
import { AppServerDriver } from "./json-rpc-driver.js";
import { tracked } from "./leak-check.js";

export interface Session {
  fake: FakeModel;
  home: TestCodexHome;
  driver: AppServerDriver;
  close(): Promise<void>;
}

export async function openSession(
  options: { fake?: FakeModelOptions; home?: Omit<CodexHomeOptions, "fakeModel" | "baseUrl"> } = {},
): Promise<Session> {
  const fake = await startFakeModel(options.fake);
  tracked.ports.add(fake.port);
  const home = await createCodexHome({ ...options.home, fakeModel: fake });
  tracked.dirs.add(home.codexHome);
  const driver = new AppServerDriver({ env: home.env, args: home.appServerArgs });
  const close = async () => {
    // Order matters: the app-server first (it may still write into CODEX_HOME), then the fake, then the directory.
    await driver.close();
    await fake.close();
    await home.dispose();
  };
  try {
    await driver.initialize();
  } catch (error) {
    await close();
    throw error;
  }
  return { fake, home, driver, close };
}
