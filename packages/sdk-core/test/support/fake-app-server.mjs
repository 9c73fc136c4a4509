#!/usr/bin/env node
// The one stand-in for `codex app-server` in the tests: a small Node program that misbehaves on
// purpose, for what the real binary does only rarely (or never on request).
//
//   argv: [app-server] <mode> [count] [--pid-file <file>]
//
// With --pid-file it writes its pid there first. Modes that answer requests reply to each with
// the process's view of itself (argv, env, cwd, the request's method and params).
//   echo          banner on stdout, a WARN line on stderr, answers every request; exits 0 on stdin EOF
//   chatty N      writes N stderr lines first (default 10), then behaves like echo
//   crash         like echo, but on the first request writes a panic to stderr and exits with code 3
//   stubborn      like echo, but ignores stdin EOF and SIGTERM (only SIGKILL ends it)
//   term          like echo, but ignores stdin EOF; exits on SIGTERM
//   exit          writes a config error to stderr and exits with code 3 at once
//   old           answers initialize as codex 0.100.0 and stays alive
//   mute          never answers; exits on stdin EOF
//   silent        never answers and ignores stdin EOF, so a close must escalate to a signal
//   close-stdout  closes its stdout and stays alive
// Every mode that stays alive goes away by itself after 60 s, so a leaked process cannot linger.
import { closeSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
if (args[0] === "app-server") args.shift();
const pidFlag = args.indexOf("--pid-file");
if (pidFlag >= 0) {
  writeFileSync(args[pidFlag + 1], String(process.pid));
  args.splice(pidFlag, 2);
}
const mode = args[0] ?? "echo";
setTimeout(() => process.exit(0), 60_000).unref();

// process.exit() drops output still queued in Node's stdio streams (a pipe the parent drains
// slowly makes writes queue): exit only once everything written so far has been flushed.
function exitAfterFlush(code) {
  process.stderr.write("", () => process.stdout.write("", () => process.exit(code)));
}

/** Calls `onMessage` with every JSON line on stdin; `onEnd` at stdin EOF. */
function readMessages(onMessage, onEnd = () => {}) {
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => onMessage(JSON.parse(line)));
  input.on("close", onEnd);
}

/** Keeps the process alive (stdin EOF and an empty event loop would end it) until the 60 s limit. */
function stayAlive() {
  setInterval(() => {}, 1000);
}

switch (mode) {
  case "echo":
  case "chatty":
  case "crash":
  case "stubborn":
  case "term": {
    if (mode === "stubborn") process.on("SIGTERM", () => {});
    if (mode === "stubborn" || mode === "term") stayAlive();
    if (mode === "chatty") {
      const count = Number(args[1] ?? "10");
      for (let index = 0; index < count; index++)
        process.stderr.write(`\x1b[2mstamp\x1b[0m \x1b[32mINFO\x1b[0m chatty line ${index}\n`);
    }
    process.stderr.write("WARN fake: starting\n");
    process.stdout.write("fake app-server banner (not JSON)\n");
    readMessages(
      (message) => {
        if (message.id === undefined) return;
        if (mode === "crash") {
          process.stderr.write("ERROR fake: something broke\nthread 'main' panicked at src/main.rs:1\n");
          exitAfterFlush(3);
          return;
        }
        const result = {
          argv: process.argv.slice(2),
          env: {
            FOO: process.env.FOO ?? null,
            CODEX_HOME: process.env.CODEX_HOME ?? null,
            REMOVED: process.env.REMOVED_BY_TEST ?? null,
          },
          cwd: process.cwd(),
          method: message.method,
          params: message.params,
        };
        process.stdout.write(`${JSON.stringify({ id: message.id, result })}\n`);
      },
      () => {
        if (mode === "echo" || mode === "chatty" || mode === "crash") exitAfterFlush(0);
      },
    );
    break;
  }
  case "exit":
    process.stderr.write("Error: loading config.toml: invalid type at line 1\n");
    exitAfterFlush(3);
    break;
  case "old":
    stayAlive();
    readMessages((message) => {
      if (message.method !== "initialize") return;
      const result = {
        userAgent: `${message.params.clientInfo.name}/0.100.0 (Fake; x86_64) fake`,
        codexHome: "/fake",
        platformFamily: "unix",
        platformOs: "linux",
      };
      process.stdout.write(`${JSON.stringify({ id: message.id, result })}\n`);
    });
    break;
  case "mute":
    // Reading keeps the pipes open; the end of stdin ends the process.
    process.stdin.resume();
    break;
  case "silent":
    stayAlive();
    process.stdin.resume();
    break;
  case "close-stdout":
    stayAlive();
    closeSync(1);
    process.stdin.resume();
    break;
  default:
    process.stderr.write(`fake-app-server: unknown mode ${mode}\n`);
    exitAfterFlush(2);
}
