// A real `hardhat node` in its own process, and the `npx hardhat` commands run against it over JSON-RPC. Shared by the
// network-path rehearsal (test/rehearsal/) and the client benchmark (scripts/bench-client.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import { getAddress, type Address, type Hex } from "viem";

export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const LOCAL_CHAIN_ID = 31337;
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
/** The program `npx hardhat` runs. The node is started with it directly, so the pid we hold is the node's own. */
const HARDHAT_BIN = path.join(PROJECT_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
const BINDINGS_FILE = path.join(PROJECT_ROOT, "lib", "contracts", "deployedContracts.ts");
const LOCAL_DEPLOYMENT_DIR = path.join(PROJECT_ROOT, "ignition", "deployments", `chain-${LOCAL_CHAIN_ID}`);
/** Variables that would make a child command pick up this machine's real secrets or networks. */
const SECRET_VARIABLES = [
  "DEPLOYER_PRIVATE_KEY",
  "SEPOLIA_RPC_URL",
  "BASE_SEPOLIA_RPC_URL",
  "CUSTOM_RPC_URL",
  "CUSTOM_CHAIN_ID",
  "ETHERSCAN_API_KEY",
];

// Derived once (the mnemonic's PBKDF2 is the slow part); ethers uses Node's native crypto for it.
let hardhatAccounts: HDNodeWallet | undefined;

/** Hardhat's well-known test account `index` (the local chain only). */
export function hardhatAccount(index: number): { address: Address; privateKey: Hex } {
  hardhatAccounts ??= HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0");
  const wallet = hardhatAccounts.deriveChild(index);
  return { address: getAddress(wallet.address), privateKey: wallet.privateKey as Hex };
}

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") return reject(new Error("no port"));
      server.close(() => resolve(address.port));
    });
  });
}

let rpcId = 0;

/** One JSON-RPC call over HTTP; throws the node's error message. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** A JSON-RPC batch over HTTP; results in request order, throws on the first error. */
export async function rpcBatch<T = unknown>(url: string, calls: { method: string; params: unknown[] }[]): Promise<T[]> {
  if (calls.length === 0) return [];
  const first = rpcId + 1;
  rpcId += calls.length;
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((call, i) => ({ jsonrpc: "2.0", id: first + i, ...call }))),
  });
  const bodies = (await response.json()) as { id: number; result?: T; error?: { message: string } }[];
  bodies.sort((a, b) => a.id - b.id);
  const failed = bodies.find((b) => b.error);
  if (failed) throw new Error(`${calls[failed.id - first].method}: ${failed.error!.message}`);
  return bodies.map((b) => b.result as T);
}

export const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** The environment for child commands: this one without secrets, network variables or Hardhat overrides. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  for (const name of Object.keys(env)) {
    if (SECRET_VARIABLES.includes(name) || name.startsWith("HARDHAT_")) delete env[name];
  }
  return { ...env, ...extra };
}

/** Exactly what a testnet deployment sets for `--network custom`, pointed at a local node, deploying as account #0. */
export function customNetworkEnv(rpcUrl: string): NodeJS.ProcessEnv {
  return cleanEnv({
    CUSTOM_RPC_URL: rpcUrl,
    CUSTOM_CHAIN_ID: String(LOCAL_CHAIN_ID),
    DEPLOYER_PRIVATE_KEY: hardhatAccount(0).privateKey,
  });
}

export interface LocalNode {
  port: number;
  url: string;
  pid: number;
  /** Everything the node printed so far (without colours), when started with `captureOutput`. */
  output(): string;
  /** Resolves once the output satisfies `test`; rejects after `timeoutMs` or if the node exits. */
  waitForOutput(test: (output: string) => boolean, timeoutMs?: number): Promise<void>;
  /** Stops the node by its pid and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node --hostname 127.0.0.1 --port <free port>` as a separate process and resolves once it answers
 * eth_chainId. The node is the same program `npx hardhat node` starts, run without npx: killing npx's pid would leave
 * the node itself running (npm exec → sh → node).
 */
export async function startLocalNode(
  options: { captureOutput?: boolean; readyTries?: number; port?: number } = {},
): Promise<LocalNode> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [HARDHAT_BIN, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: PROJECT_ROOT,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  if (child.pid === undefined) throw new Error("hardhat node did not start");
  const pid = child.pid;

  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    if (options.captureOutput) output += stripAnsi(chunk.toString());
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", (chunk: Buffer) => {
    output += stripAnsi(chunk.toString()); // errors are kept even when the log is not
    listeners.forEach((listener) => listener());
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  // A safety net if the caller never gets to stop() (e.g. the process is ending on an error).
  const killOnExit = () => {
    if (!hasExited()) process.kill(pid);
  };
  process.once("exit", killOnExit);

  const node: LocalNode = {
    port,
    url,
    pid,
    output: () => output,
    waitForOutput(test, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off("exit", onExit);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (test(output)) done();
        };
        const onExit = () => done(new Error(`hardhat node exited while waiting for its output:\n${output}`));
        const timer = setTimeout(
          () => done(new Error(`hardhat node output not seen within ${timeoutMs} ms`)),
          timeoutMs,
        );
        listeners.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async stop() {
      process.off("exit", killOnExit);
      if (hasExited()) return;
      process.kill(pid);
      let timer: NodeJS.Timeout | undefined;
      const escalate = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), 10_000)));
      if ((await Promise.race([exited, escalate])) === "timeout") {
        process.kill(pid, "SIGKILL");
        await exited;
      }
      clearTimeout(timer);
    },
  };

  // Readiness: a bounded number of eth_chainId tries, giving up at once if the node exits.
  const tries = options.readyTries ?? 300;
  for (let attempt = 1; ; attempt++) {
    if (hasExited()) throw new Error(`hardhat node exited before it was ready:\n${output}`);
    try {
      const chainId = await rpc<string>(url, "eth_chainId");
      if (Number(chainId) !== LOCAL_CHAIN_ID) throw new Error(`unexpected chain id ${chainId}`);
      return node;
    } catch (error) {
      if (attempt >= tries) {
        await node.stop();
        throw new Error(`hardhat node on port ${port} not ready after ${tries} tries: ${(error as Error).message}`);
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), exited]);
    }
  }
}

export interface CommandResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, without colours. */
  output: string;
  ms: number;
}

/**
 * Runs `hardhat <args>` in the project root and never rejects (the result carries the exit code). By default it runs
 * the program `npx hardhat` runs, without npm's wrapper (about 0.5 s of CPU per command, and a kill reaches Hardhat
 * itself); `viaNpx` runs the literal `npx hardhat <args>`.
 */
export function runHardhat(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; viaNpx?: boolean } = {},
): Promise<CommandResult> {
  const started = Date.now();
  const command = `${options.viaNpx ? "npx " : ""}hardhat ${args.join(" ")}`;
  const [program, programArgs] = options.viaNpx
    ? ["npx", ["hardhat", ...args]]
    : [process.execPath, [HARDHAT_BIN, ...args]];
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(program, programArgs, {
      cwd: PROJECT_ROOT,
      env: options.env ?? cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs ?? 60_000} ms]`;
      child.kill();
    }, options.timeoutMs ?? 60_000);
    const finish = (code: number | null) => {
      clearTimeout(timer);
      stdout = stripAnsi(stdout);
      stderr = stripAnsi(stderr);
      resolve({ command, code, stdout, stderr, output: `${stdout}\n${stderr}`, ms: Date.now() - started });
    };
    child.on("error", (error) => {
      stderr += String(error);
      finish(null);
    });
    child.on("close", finish);
  });
}

/**
 * Deploying to a fresh node on chain 31337 replaces the local Ignition journal (ignition/deployments/chain-31337)
 * and rewrites the bindings. This keeps both as they were, so `npm run chain`'s deployment is unaffected afterwards.
 */
export function preserveLocalDeployment(): { bindingsBefore: string; restore(): void } {
  const bindingsBefore = readFileSync(BINDINGS_FILE, "utf8");
  const hadDeployment = existsSync(LOCAL_DEPLOYMENT_DIR);
  const backup = mkdtempSync(path.join(tmpdir(), "medconsent-chain-31337-"));
  if (hadDeployment) cpSync(LOCAL_DEPLOYMENT_DIR, backup, { recursive: true });
  return {
    bindingsBefore,
    restore() {
      rmSync(LOCAL_DEPLOYMENT_DIR, { recursive: true, force: true });
      if (hadDeployment) cpSync(backup, LOCAL_DEPLOYMENT_DIR, { recursive: true });
      rmSync(backup, { recursive: true, force: true });
      if (readFileSync(BINDINGS_FILE, "utf8") !== bindingsBefore) writeFileSync(BINDINGS_FILE, bindingsBefore);
    },
  };
}

/** The bindings file as it is now. */
export const readBindings = () => readFileSync(BINDINGS_FILE, "utf8");
