// The contract writes and reads the gateway suites need on their node, through viem with Hardhat's well-known accounts.
// Every write waits for its receipt: the node mines one block per transaction, so "the next block" after a write is
// the one that holds it.
import {
  createPublicClient,
  createWalletClient,
  http,
  parseEventLogs,
  type Abi,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  PROJECT_ROOT,
  customNetworkEnv,
  hardhatAccount,
  preserveLocalDeployment,
  rpc,
  runHardhat,
  startLocalNode,
  type LocalNode,
} from "./localNode";

type Bindings = typeof import("@/lib/contracts/deployedContracts");
type Abis = Bindings["abis"];

export interface MedConsentAddresses {
  ProviderRegistry: Address;
  ConsentRegistry: Address;
  RecordRegistry: Address;
  KeyDirectory: Address;
  DisclosureLog: Address;
}

const DAY = 24 * 3600;
/** Hardhat account #0 deployed the contracts: default admin and registrar. */
export const ADMIN_ACCOUNT_INDEX = 0;

export interface GrantTerms {
  categories: bigint;
  actions: number;
  purposes: number;
  /** Seconds from the latest block; default 30 days. */
  expiresIn?: number;
}

export class MedConsentChain {
  readonly publicClient: PublicClient;
  private readonly wallets = new Map<number, WalletClient>();

  private constructor(
    readonly url: string,
    readonly abis: Abis,
    readonly addresses: MedConsentAddresses,
  ) {
    this.publicClient = createPublicClient({ chain: hardhat, transport: http(url), pollingInterval: 50 });
  }

  /** Reads the addresses from the bindings as the deployment just wrote them, and checks there is code at each. */
  static async connect(url: string): Promise<MedConsentChain> {
    const bindings: Bindings = await import("@/lib/contracts/deployedContracts");
    const local = bindings.default[31337];
    const addresses: MedConsentAddresses = {
      ProviderRegistry: local.ProviderRegistry.address,
      ConsentRegistry: local.ConsentRegistry.address,
      RecordRegistry: local.RecordRegistry.address,
      KeyDirectory: local.KeyDirectory.address,
      DisclosureLog: local.DisclosureLog.address,
    };
    for (const [name, address] of Object.entries(addresses)) {
      if ((await rpc<Hex>(url, "eth_getCode", [address, "latest"])) === "0x") {
        throw new Error(`No ${name} at ${address} on ${url}: the bindings do not match the deployment.`);
      }
    }
    return new MedConsentChain(url, bindings.abis, addresses);
  }

  account(index: number): PrivateKeyAccount {
    return privateKeyToAccount(hardhatAccount(index).privateKey);
  }

  wallet(index: number): WalletClient {
    let wallet = this.wallets.get(index);
    if (wallet === undefined) {
      wallet = createWalletClient({ account: this.account(index), chain: hardhat, transport: http(this.url) });
      this.wallets.set(index, wallet);
    }
    return wallet;
  }

  /** Sends one contract call from Hardhat account `index` and waits for its successful receipt. */
  async write(
    index: number,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ): Promise<{ hash: Hash; logs: readonly { address: Address; data: Hex; topics: readonly Hex[] }[] }> {
    const wallet = this.wallet(index);
    const hash = await wallet.writeContract({
      address,
      abi,
      functionName,
      args,
      account: wallet.account!,
      chain: hardhat,
    });
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted (${hash})`);
    return { hash, logs: receipt.logs as { address: Address; data: Hex; topics: readonly [Hex, ...Hex[]] }[] };
  }

  read<T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.publicClient.readContract({ address, abi, functionName, args }) as Promise<T>;
  }

  async grantGatewayRole(gateway: Address): Promise<void> {
    const { DisclosureLog } = this.addresses;
    const role = await this.read<Hex>(DisclosureLog, this.abis.DisclosureLog, "GATEWAY_ROLE");
    await this.write(ADMIN_ACCOUNT_INDEX, DisclosureLog, this.abis.DisclosureLog, "grantRole", [role, gateway]);
  }

  /** Registers Hardhat account `index` as an active provider (the admin holds REGISTRAR_ROLE). */
  async registerProvider(index: number, name: string, kind = 0): Promise<Address> {
    const provider = hardhatAccount(index).address;
    const credential = `0x${Buffer.from(name.padEnd(32, ".").slice(0, 32)).toString("hex")}` as Hex;
    await this.write(
      ADMIN_ACCOUNT_INDEX,
      this.addresses.ProviderRegistry,
      this.abis.ProviderRegistry,
      "registerProvider",
      [provider, kind, name, credential],
    );
    return provider;
  }

  async suspendProvider(provider: Address): Promise<void> {
    await this.write(
      ADMIN_ACCOUNT_INDEX,
      this.addresses.ProviderRegistry,
      this.abis.ProviderRegistry,
      "suspendProvider",
      [provider],
    );
  }

  async grantConsent(patientIndex: number, grantee: Address, terms: GrantTerms): Promise<void> {
    const expiresAt = (await this.now()) + (terms.expiresIn ?? 30 * DAY);
    await this.write(patientIndex, this.addresses.ConsentRegistry, this.abis.ConsentRegistry, "grantConsent", [
      grantee,
      terms.categories,
      terms.actions,
      terms.purposes,
      expiresAt,
    ]);
  }

  async revokeConsent(patientIndex: number, grantee: Address): Promise<void> {
    await this.write(patientIndex, this.addresses.ConsentRegistry, this.abis.ConsentRegistry, "revokeConsent", [
      grantee,
    ]);
  }

  /** addRecord from Hardhat account `authorIndex` (the patient, or a provider with APPEND); the new record id. */
  async addRecord(
    authorIndex: number,
    patient: Address,
    contentHash: Hex,
    category: number,
    uri: string,
  ): Promise<bigint> {
    const { logs } = await this.write(
      authorIndex,
      this.addresses.RecordRegistry,
      this.abis.RecordRegistry,
      "addRecord",
      [patient, contentHash, category, uri],
    );
    const [added] = parseEventLogs({
      abi: this.abis.RecordRegistry,
      eventName: "RecordAdded",
      logs: [...logs] as never,
    });
    if (added === undefined) throw new Error("addRecord emitted no RecordAdded event");
    return added.args.recordId;
  }

  async verifyRecord(patient: Address, recordId: bigint, contentHash: Hex): Promise<boolean> {
    return this.read<boolean>(this.addresses.RecordRegistry, this.abis.RecordRegistry, "verifyRecord", [
      patient,
      recordId,
      contentHash,
    ]);
  }

  /** The latest block's timestamp. */
  async now(): Promise<number> {
    const block = await this.publicClient.getBlock({ blockTag: "latest" });
    return Number(block.timestamp);
  }

  /** Moves the chain's clock forward and mines a block at the new time. */
  async increaseTime(seconds: number): Promise<void> {
    await rpc(this.url, "evm_increaseTime", [seconds]);
    await rpc(this.url, "evm_mine");
  }

  /** Deploys a contract from its Hardhat artifact (artifacts/contracts/<file>/<name>.json). */
  async deployArtifact(index: number, file: string, name: string, args: readonly unknown[]): Promise<Address> {
    const artifact = JSON.parse(
      readFileSync(path.join(PROJECT_ROOT, "artifacts", "contracts", file, `${name}.json`), "utf8"),
    ) as { abi: Abi; bytecode: Hex };
    const wallet = this.wallet(index);
    const hash = await wallet.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args,
      account: wallet.account!,
      chain: hardhat,
    });
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deploying ${name} failed`);
    return receipt.contractAddress;
  }
}

export interface DeployedChain {
  node: LocalNode;
  chain: MedConsentChain;
  /** Stops the node and puts back the local chain's bindings, which the deployment rewrote. */
  stop(): Promise<void>;
}

/** A fresh `hardhat node` on a free port with MedConsent deployed by the testnet command (`deploy --network custom`). */
export async function startDeployedChain(): Promise<DeployedChain> {
  const preserved = preserveLocalDeployment();
  let node: LocalNode | undefined;
  const stop = async () => {
    await node?.stop();
    preserved.restore();
  };
  try {
    node = await startLocalNode();
    await rpc(node.url, "hardhat_setLoggingEnabled", [false]);
    const deploy = await runHardhat(["deploy", "--network", "custom"], {
      env: customNetworkEnv(node.url),
      timeoutMs: 180_000,
    });
    if (deploy.code !== 0) throw new Error(`${deploy.command} failed:\n${deploy.output}`);
    return { node, chain: await MedConsentChain.connect(node.url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
