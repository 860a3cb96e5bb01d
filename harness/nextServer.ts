// Running the portal's `next` CLI from scripts and test stacks: a one-shot command (`next build`) that fails with its
// output, and waiting until a `next start` server answers HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PROJECT_ROOT } from "./localNode";

/** Next's CLI entry point, run with this Node (`process.execPath`) rather than through a shell shim. */
export const NEXT_BIN = path.join(PROJECT_ROOT, "node_modules", "next", "dist", "bin", "next");

/**
 * `next build` adds its build folder's type globs to tsconfig.json, which are no part of the project's config: call
 * this before the build and the returned function after it to take them out again (and nothing else).
 */
export function guardTsconfig(distDir: string): () => void {
  const tsconfigPath = path.join(PROJECT_ROOT, "tsconfig.json");
  const before = readFileSync(tsconfigPath, "utf8");
  return () => {
    const now = readFileSync(tsconfigPath, "utf8");
    if (now !== before && now.includes(distDir) && !before.includes(distDir)) writeFileSync(tsconfigPath, before);
  };
}

/** Runs `next <args>` in the project root; rejects with everything it printed if it fails or outlives `timeoutMs`. */
export function runNext(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NEXT_BIN, ...args], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`next ${args.join(" ")} failed (${code}):\n${output}`));
    });
  });
}

export interface WaitForHttpOptions {
  /** Attempts, 100 ms apart. */
  tries: number;
  /** What the server printed so far, appended to the error when it exits or never answers. */
  output?: () => string;
}

/** Polls `url` until it answers below 500; fails early if `server` exits first. */
export async function waitForHttp(url: string, server: ChildProcess, options: WaitForHttpOptions): Promise<void> {
  const printed = () => (options.output ? `:\n${options.output()}` : "");
  for (let attempt = 0; attempt < options.tries; attempt++) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`next start exited before it was ready${printed()}`);
    }
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready after ${options.tries} tries${printed()}`);
}
