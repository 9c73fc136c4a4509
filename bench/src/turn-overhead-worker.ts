// Turn latency's companion measurement: the SDK's own cost per trivial turn, with no app-server.
// An in-process server answers turn/start at once with the notifications a real trivial turn
// produces (same methods and order as app-server 0.169.0), so all that is timed is the SDK (plus
// this small stand-in). Prints one JSON line: µs per `thread.run()`, wall and CPU.
import { InstantTurnServer } from "./dispatch/instant-turn-server.js";
import { loadSdk } from "./sdk.js";

const loaded = await loadSdk();
if (!("sdk" in loaded)) throw new Error(loaded.missing);
const codex = await loaded.sdk.Codex.start({ transport: loaded.sdk.createLineTransport(new InstantTurnServer()) });
const thread = await codex.threadStart({});
const turns = Number(process.argv[2] ?? 3000);
const rounds = Number(process.argv[3] ?? 5);
const wallMicros: number[] = [];
const cpuMicros: number[] = [];
for (let index = 0; index < 500; index += 1) await thread.run("warm up");
for (let round = 0; round < rounds; round += 1) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let index = 0; index < turns; index += 1) {
    const result = await thread.run("hi");
    if (result.text !== "ok") throw new Error(`unexpected text ${result.text}`);
  }
  const cpu = process.cpuUsage(c0);
  wallMicros.push(((performance.now() - t0) * 1000) / turns);
  cpuMicros.push((cpu.user + cpu.system) / turns);
}
process.stdout.write(`${JSON.stringify({ turns, rounds, wallMicros, cpuMicros })}\n`);
process.exit(0);
