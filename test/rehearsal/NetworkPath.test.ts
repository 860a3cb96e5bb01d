// The testnet path, rehearsed on a real `hardhat node` in its own process: deploy with the command a testnet deployment
// uses (`npx hardhat deploy --network custom`, configured only through the environment), seed, then the CLI tasks and the
// client library over JSON-RPC. Nothing here uses the in-process Hardhat network, so loadFixture does not apply: the
// scene is built once, by the real commands, in `before`.
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, http, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { createConsentClient, deploymentOf, type ConsentClient, type ConsentEvent } from "@/lib/consentClient";
import deployedContracts from "@/lib/contracts/deployedContracts";
import { CATEGORIES, READ, parseCategories } from "@/lib/consentCodes";
import { contentUri } from "@/harness/contentUri";
import {
  LOCAL_CHAIN_ID,
  PROJECT_ROOT,
  cleanEnv,
  customNetworkEnv,
  hardhatAccount,
  preserveLocalDeployment,
  readBindings,
  rpc,
  runHardhat,
  startLocalNode,
  type CommandResult,
  type LocalNode,
} from "@/harness/localNode";

// The seeded scene (scripts/seed.ts): Hardhat's well-known accounts.
const familyPractice = hardhatAccount(2).address; // Northside Family Practice
const hospital = hardhatAccount(3).address; // St. Mary's Hospital, emergency-capable
const laboratory = hardhatAccount(4).address; // Riverside Laboratory
const research = hardhatAccount(5).address; // Heart Health Research Study
const alice = hardhatAccount(6).address;
const bob = hardhatAccount(7).address;
const dave = hardhatAccount(9); // not in the seed: a new patient for watchConsents
const localGateway = hardhatAccount(19).address; // the seed grants it GATEWAY_ROLE on the disclosure log
const newGateway = hardhatAccount(10).address;

const DAY = 24 * 3600;
const TREATMENT = 1;
const DEMO_FILES = path.join(PROJECT_ROOT, "cache", "demo-records");
const aliceAllergies = path.join(DEMO_FILES, "alice-1-allergies.bin");
const aliceLabResults = path.join(DEMO_FILES, "alice-2-lab-results.bin");
const aliceMedications = path.join(DEMO_FILES, "alice-3-medications.bin");

const sha256 = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;
const fingerprint = (text: string) => `${text.length} chars, sha-256 ${sha256(Buffer.from(text))}`;

/** "MedConsent#ProviderRegistry - 0x…" lines of an Ignition deployment's output. */
function deployedAddresses(output: string): Record<string, string> {
  return Object.fromEntries([...output.matchAll(/MedConsent#(\w+) - (0x[0-9a-fA-F]{40})/g)].map((m) => [m[1], m[2]]));
}

/** The rows of `consent:list`'s table. */
function listedConsents(output: string): { state: string; patient: string; grantee: string }[] {
  const lines = output.split("\n");
  const header = lines.findIndex((line) => line.startsWith("STATE"));
  if (header < 0) return [];
  return lines
    .slice(header + 1)
    .filter((line) => /^\w+\s+0x/.test(line))
    .map((line) => {
      const [state, patient, grantee] = line.split(/\s{2,}/);
      return { state, patient, grantee };
    });
}

/** How many eth_newFilter requests the node has logged (it prints repeats as "eth_newFilter (2)"). */
const newFilterCalls = (nodeOutput: string) => (nodeOutput.match(/^\s*eth_newFilter(?: \(\d+\))?\s*$/gm) ?? []).length;

/** An error that shows the command and everything it printed. */
const failed = (result: CommandResult) =>
  new Error(`\`${result.command}\` exited with ${result.code} after ${result.ms} ms:\n${result.output}`);

describe("Network path: a separate hardhat node, the testnet deploy command, the CLI and the client", () => {
  let node: LocalNode | undefined;
  let preserved: ReturnType<typeof preserveLocalDeployment> | undefined;
  let emptyConfigDir: string | undefined;
  let firstDeploy: CommandResult;
  let secondDeploy: CommandResult;
  let bindingsAfterDeploys: string;
  let seed: CommandResult;
  let client: ConsentClient;
  const started: Promise<unknown>[] = [];
  let cli: Record<string, Promise<CommandResult>>;
  let suspension: Promise<CommandResult[]>;
  let gatewayAuthorization: Promise<CommandResult[]>;
  let missingSecrets: Promise<CommandResult>;

  before(async () => {
    preserved = preserveLocalDeployment();
    // No variables and an empty Hardhat vars store: what a machine without the Sepolia secrets has.
    emptyConfigDir = mkdtempSync(path.join(tmpdir(), "medconsent-no-vars-"));
    missingSecrets = runHardhat(["deploy", "--network", "sepolia"], {
      env: cleanEnv({ XDG_CONFIG_HOME: emptyConfigDir }),
      viaNpx: true,
    });
    started.push(missingSecrets);

    node = await startLocalNode({ captureOutput: true });
    const env = customNetworkEnv(node.url);
    const hardhatOn = (...args: string[]) => runHardhat([...args, "--network", "custom"], { env });

    // The literal command a testnet deployment runs; the other commands skip npm's wrapper (see runHardhat).
    firstDeploy = await runHardhat(["deploy", "--network", "custom"], { env, viaNpx: true });
    if (firstDeploy.code !== 0) throw failed(firstDeploy);
    secondDeploy = await hardhatOn("deploy");
    bindingsAfterDeploys = readBindings();
    seed = await runHardhat(["run", "--network", "custom", "scripts/seed.ts"], { env });
    if (seed.code !== 0) throw failed(seed);

    client = createConsentClient({ chainId: LOCAL_CHAIN_ID, rpcUrl: node.url, pollingInterval: 100 });

    const check = (patient: Address, grantee: Address, categories: string, action: string, purpose: string) =>
      hardhatOn(
        "consent:check",
        ...["--patient", patient, "--grantee", grantee, "--categories", categories],
        ...["--action", action, "--purpose", purpose],
      );
    // The suspension sequence is the longest chain, so it starts first. Only it touches the laboratory's access, so
    // it runs beside every read-only command, all started at once; the tests below check their results.
    const laboratoryCheck = () => check(alice, laboratory, "lab-results", "append", "treatment");
    suspension = (async () => {
      const steps = [
        () => hardhatOn("provider:suspend", "--address", laboratory),
        laboratoryCheck,
        () => hardhatOn("provider:reinstate", "--address", laboratory),
        laboratoryCheck,
      ];
      const results: CommandResult[] = [];
      for (const step of steps) results.push(await step());
      return results;
    })();
    started.push(suspension);
    // Only these commands touch the disclosure log's roles, in this order. They send from the admin like the
    // suspension sequence, so they wait for it: two senders on one account would race for its nonce.
    const notAdminEnv = { ...env, DEPLOYER_PRIVATE_KEY: hardhatAccount(7).privateKey };
    gatewayAuthorization = (async () => {
      await suspension.catch(() => undefined);
      const steps = [
        () => hardhatOn("gateway:authorize", "--gateway", newGateway),
        () => hardhatOn("gateway:authorize", "--gateway", newGateway),
        () => hardhatOn("gateway:authorize", "--gateway", newGateway, "--revoke"),
        () => hardhatOn("gateway:authorize", "--gateway", localGateway),
        () => hardhatOn("gateway:authorize", "--gateway", "0x1234"),
        () => runHardhat(["gateway:authorize", "--gateway", newGateway, "--network", "custom"], { env: notAdminEnv }),
      ];
      const results: CommandResult[] = [];
      for (const step of steps) results.push(await step());
      return results;
    })();
    started.push(gatewayAuthorization);
    cli = {
      allowed: check(alice, familyPractice, "lab-results,medications", "read", "treatment"),
      categoryNotGranted: check(alice, familyPractice, "mental-health", "read", "treatment"),
      revoked: check(alice, hospital, "allergies", "read", "treatment"),
      expired: check(alice, research, "lab-results", "read", "research"),
      neverGranted: check(bob, hospital, "allergies", "read", "treatment"),
      unknownCategory: check(alice, familyPractice, "labresults", "read", "treatment"),
      listAlice: hardhatOn("consent:list", "--patient", alice),
      listLaboratory: hardhatOn("consent:list", "--grantee", laboratory),
      listResearch: hardhatOn("consent:list", "--grantee", research),
      verifyMatch: hardhatOn("record:verify", "--patient", alice, "--id", "1", "--file", aliceAllergies),
      verifyMismatch: hardhatOn("record:verify", "--patient", alice, "--id", "1", "--file", aliceLabResults),
    };
    started.push(...Object.values(cli));
  });

  after(async () => {
    await Promise.allSettled(started);
    await node?.stop();
    preserved?.restore();
    if (emptyConfigDir) rmSync(emptyConfigDir, { recursive: true, force: true });
  });

  describe("deploy --network custom", () => {
    it("deploys through Ignition's CREATE2 strategy to the addresses in the bindings", async () => {
      expect(firstDeploy.output).to.include("[ MedConsent ] successfully deployed");
      const addresses = deployedAddresses(firstDeploy.output);
      const bindings = deploymentOf(LOCAL_CHAIN_ID)!.addresses;
      expect(addresses).to.deep.equal({
        ProviderRegistry: bindings.providerRegistry,
        ConsentRegistry: bindings.consentRegistry,
        RecordRegistry: bindings.recordRegistry,
        KeyDirectory: bindings.keyDirectory,
        DisclosureLog: bindings.disclosureLog,
        PatientAccountFactory: deployedContracts[LOCAL_CHAIN_ID].PatientAccountFactory.address,
      });
      for (const address of Object.values(addresses)) {
        expect(await rpc<string>(node!.url, "eth_getCode", [address, "latest"])).to.not.equal("0x");
      }
    });

    it("is a no-op the second time, printing the same addresses", async () => {
      expect(secondDeploy.code, secondDeploy.output).to.equal(0);
      expect(secondDeploy.output).to.include("[ MedConsent ] Nothing new to deploy");
      expect(secondDeploy.output).to.not.include("successfully deployed");
      expect(deployedAddresses(secondDeploy.output)).to.deep.equal(deployedAddresses(firstDeploy.output));
    });

    it("rewrites lib/contracts/deployedContracts.ts byte for byte as it was", async () => {
      expect(firstDeploy.output).to.include("Bindings for chains 31337 written to lib/contracts/deployedContracts.ts");
      expect(fingerprint(bindingsAfterDeploys)).to.equal(fingerprint(preserved!.bindingsBefore));
    });

    it("refuses sepolia without its variables, naming each one, before sending anything", async () => {
      const result = await missingSecrets;
      expect(result.code).to.not.equal(0);
      expect(result.output).to.include("Missing SEPOLIA_RPC_URL, DEPLOYER_PRIVATE_KEY (needed to deploy to sepolia)");
      expect(result.output).to.include("npx hardhat vars set SEPOLIA_RPC_URL");
      expect(result.output).to.include("npx hardhat vars set DEPLOYER_PRIVATE_KEY");
      expect(result.output).to.not.include("Hardhat Ignition");
    });
  });

  describe("run scripts/seed.ts --network custom", () => {
    it("seeds the demo scene and prints who is who", async () => {
      expect(seed.stdout).to.include("Seeded the local chain with the demo scene.");
      const people: [number, string][] = [
        [2, "Northside Family Practice"],
        [3, "St. Mary's Hospital"],
        [4, "Riverside Laboratory"],
        [5, "Heart Health Research Study"],
        [6, "Alice"],
        [7, "Bob"],
        [8, "Carol"],
      ];
      for (const [index, who] of people) {
        expect(seed.stdout).to.match(new RegExp(`^#${index} .*${who}\\s+${hardhatAccount(index).address}$`, "m"));
      }
    });
  });

  describe("consent:check", () => {
    it("exits 0 and says allowed for an active consent", async () => {
      const result = await cli.allowed;
      expect(result.code, result.output).to.equal(0);
      expect(result.stdout).to.include(
        `allowed: ${familyPractice} may read medications and lab results of ${alice} for treatment`,
      );
    });

    it("exits 1 with the reason when the category is not granted", async () => {
      const result = await cli.categoryNotGranted;
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.include("denied: The consent does not cover mental health. (AccessCategoryNotGranted)");
    });

    it("exits 1 with the reason when the consent was revoked", async () => {
      const result = await cli.revoked;
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.include(
        "denied: The patient has not given this provider consent (never granted, revoked, or ended by revoke-all). (AccessNoConsent)",
      );
    });

    it("exits 1 with the expiry date when the consent expired", async () => {
      const result = await cli.expired;
      const { expiresAt } = await client.publicClient.readContract({
        address: client.addresses.consentRegistry,
        abi: client.abis.ConsentRegistry,
        functionName: "consentOf",
        args: [alice, research],
      });
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.include(
        `denied: The patient's consent expired on ${new Date(expiresAt * 1000).toUTCString()}. (AccessExpired)`,
      );
    });

    it("exits 1 with the reason when there never was a consent", async () => {
      const result = await cli.neverGranted;
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.include("(AccessNoConsent)");
    });

    it("exits 2 on an unknown category name, listing the valid ones", async () => {
      const result = await cli.unknownCategory;
      expect(result.code, result.output).to.equal(2);
      expect(result.output).to.include('Unknown category "labresults". Valid values: routine, demographics,');
      for (const { key } of CATEGORIES) expect(result.output).to.include(key);
      expect(result.stdout).to.not.match(/^(allowed|denied):/m);
    });
  });

  describe("consent:list", () => {
    it("lists a patient's consents as active, expiring, revoked and expired", async () => {
      const result = await cli.listAlice;
      expect(result.code, result.output).to.equal(0);
      expect(listedConsents(result.stdout)).to.have.deep.members([
        { state: "active", patient: alice, grantee: familyPractice },
        { state: "expiring", patient: alice, grantee: laboratory },
        { state: "revoked", patient: alice, grantee: hospital },
        { state: "expired", patient: alice, grantee: research },
      ]);
    });

    it("lists a provider's consents, a revoke-all included", async () => {
      const laboratoryList = await cli.listLaboratory;
      const researchList = await cli.listResearch;
      expect(laboratoryList.code, laboratoryList.output).to.equal(0);
      expect(listedConsents(laboratoryList.stdout)).to.have.deep.members([
        { state: "expiring", patient: alice, grantee: laboratory },
        { state: "revoked", patient: bob, grantee: laboratory },
      ]);
      expect(researchList.code, researchList.output).to.equal(0);
      expect(listedConsents(researchList.stdout)).to.have.deep.members([
        { state: "expired", patient: alice, grantee: research },
        { state: "revoked", patient: bob, grantee: research },
      ]);
    });
  });

  describe("record:verify", () => {
    it("exits 0 on the demo file that matches the record", async () => {
      const result = await cli.verifyMatch;
      expect(result.code, result.output).to.equal(0);
      expect(result.stdout).to.include(`match: ${aliceAllergies} is record 1 of ${alice}`);
    });

    it("exits 1 on another file", async () => {
      const result = await cli.verifyMismatch;
      expect(result.code, result.output).to.equal(1);
      expect(result.stdout).to.include(
        `MISMATCH: ${aliceLabResults} has sha-256 ${sha256(readFileSync(aliceLabResults))}`,
      );
    });
  });

  describe("provider:suspend and provider:reinstate", () => {
    it("ends a provider's access at once and restores it on reinstatement", async () => {
      const [suspend, whileSuspended, reinstate, afterReinstatement] = await suspension;
      expect(suspend.code, suspend.output).to.equal(0);
      expect(suspend.stdout).to.include(`suspended ${laboratory}`);
      expect(whileSuspended.code, whileSuspended.output).to.equal(1);
      expect(whileSuspended.stdout).to.include(
        `denied: ${laboratory} is not an active registered provider (never registered, or suspended). (AccessProviderInactive)`,
      );
      expect(reinstate.code, reinstate.output).to.equal(0);
      expect(reinstate.stdout).to.include(`reinstated ${laboratory}`);
      expect(afterReinstatement.code, afterReinstatement.output).to.equal(0);
      expect(afterReinstatement.stdout).to.include(`allowed: ${laboratory} may append lab results of ${alice}`);
    });
  });

  describe("gateway:authorize", () => {
    it("grants and revokes GATEWAY_ROLE, does nothing twice, and refuses bad input and a non-admin", async () => {
      const [grant, again, revoke, seeded, badAddress, notAdmin] = await gatewayAuthorization;
      expect(grant.code, grant.output).to.equal(0);
      expect(grant.stdout).to.include(`${newGateway} may now anchor disclosure batches`);
      expect(again.code, again.output).to.equal(0);
      expect(again.stdout).to.include(`${newGateway} already may anchor disclosure batches; nothing sent`);
      expect(revoke.code, revoke.output).to.equal(0);
      expect(revoke.stdout).to.include(`${newGateway} may no longer anchor disclosure batches`);
      expect(seeded.code, seeded.output).to.equal(0);
      expect(seeded.stdout).to.include(`${localGateway} already may anchor disclosure batches`);
      expect(badAddress.code, badAddress.output).to.equal(2);
      expect(badAddress.stderr).to.include(
        '--gateway must be an address (0x followed by 40 hex digits), got "0x1234".',
      );
      expect(notAdmin.code, notAdmin.output).to.equal(2);
      expect(notAdmin.stderr).to.include(
        "does not hold the role this action needs. (AccessControlUnauthorizedAccount)",
      );
    });
  });

  describe("client library over JSON-RPC", () => {
    it("hasAccess agrees with consent:check", async () => {
      const query = { patient: alice, grantee: familyPractice, action: "read", purpose: "treatment" };
      expect(await client.hasAccess({ ...query, categories: "lab-results,medications" })).to.equal(true);
      expect(await client.hasAccess({ ...query, categories: "mental-health" })).to.equal(false);
      // Break-glass: St. Mary's may read Bob's routine data for emergency care only.
      const emergency = { patient: bob, grantee: hospital, categories: "allergies", action: "read" };
      expect(await client.hasAccess({ ...emergency, purpose: "emergency" })).to.equal(true);
      expect(await client.hasAccess({ ...emergency, purpose: "treatment" })).to.equal(false);
    });

    it("explainAccess gives the reason consent:check prints", async () => {
      const cases = [
        {
          result: cli.categoryNotGranted,
          query: { patient: alice, grantee: familyPractice, categories: "mental-health", purpose: "treatment" },
        },
        {
          result: cli.expired,
          query: { patient: alice, grantee: research, categories: "lab-results", purpose: "research" },
        },
      ];
      for (const { result, query } of cases) {
        const explanation = await client.explainAccess({ ...query, action: "read" });
        expect(explanation.allowed).to.equal(false);
        expect((await result).stdout.trim()).to.equal(`denied: ${explanation.reason} (${explanation.error})`);
      }
      const allowed = { patient: alice, grantee: familyPractice, categories: "lab-results" };
      expect(await client.explainAccess({ ...allowed, action: "read", purpose: "treatment" })).to.deep.equal({
        allowed: true,
      });
    });

    it("reads access at an explicit block, on a viem client passed in", async () => {
      // The gateway's way: its own client (no retries), and each decision read at a block it can log.
      const strict = createConsentClient({
        chainId: LOCAL_CHAIN_ID,
        publicClient: createPublicClient({ chain: hardhat, transport: http(node!.url, { retryCount: 0 }) }),
      });
      const revocation = (await strict.getPatientEvents(alice)).find(
        (event) => event.eventName === "ConsentRevoked" && event.args.grantee === hospital,
      );
      expect(revocation, "Alice's revocation of St. Mary's").to.not.equal(undefined);
      const before = revocation!.blockNumber - 1n;
      const latest = await strict.blockNumber();
      const query = {
        patient: alice,
        grantee: hospital,
        categories: "allergies",
        action: "read",
        purpose: "treatment",
      };
      expect(await strict.hasAccess(query, { blockNumber: before })).to.equal(true);
      expect(await strict.hasAccess(query, { blockNumber: latest })).to.equal(false);
      expect(await strict.explainAccess(query, { blockNumber: before })).to.deep.equal({ allowed: true });
      expect((await strict.explainAccess(query, { blockNumber: latest })).error).to.equal("AccessNoConsent");
      const covers = { patient: alice, grantee: hospital, categories: "allergies", actions: "read" };
      expect(await strict.coversActions(covers, { blockNumber: before })).to.equal(true);
      expect(await strict.coversActions(covers)).to.equal(false);
      expect(await strict.isActiveProvider(hospital)).to.equal(true);
    });

    it("getRecord returns a stored record, and undefined for a record the patient does not have", async () => {
      const [, labResults] = await client.getRecords(alice);
      const { uri: _uri, id: _id, ...stored } = labResults;
      expect(await client.getRecord(alice, 2n)).to.deep.equal(stored);
      expect(await client.getRecord(alice, 99n)).to.equal(undefined);
    });

    it("listConsents gives the states consent:list prints", async () => {
      const states = (entries: { state: string; patient: string; grantee: string }[]) =>
        entries.map(({ state, patient, grantee }) => ({ state, patient, grantee }));
      expect(states(await client.listConsents({ patient: alice }))).to.have.deep.members(
        listedConsents((await cli.listAlice).stdout),
      );
      expect(states(await client.listConsents({ grantee: research }))).to.have.deep.members(
        listedConsents((await cli.listResearch).stdout),
      );
    });

    it("getRecords returns Alice's three records with their content URIs", async () => {
      const records = await client.getRecords(alice);
      const files = [aliceAllergies, aliceLabResults, aliceMedications].map((file) => readFileSync(file));
      expect(records.map((r) => r.id)).to.deep.equal([1n, 2n, 3n]);
      expect(records.map((r) => r.author)).to.deep.equal([alice, laboratory, alice]);
      expect(records.map((r) => r.category)).to.deep.equal([1, 4, 2]);
      expect(records.map((r) => r.contentHash)).to.deep.equal(files.map(sha256));
      expect(records.map((r) => r.uri)).to.deep.equal(files.map(contentUri));
      for (const record of records) expect(record.uri).to.match(/^bafkrei[a-z2-7]{52}$/);
    });

    it("verifyRecordFile matches the right file only", async () => {
      const match = await client.verifyRecordFile(alice, 2n, aliceLabResults);
      expect(match).to.deep.equal({
        matches: true,
        onChainHash: sha256(readFileSync(aliceLabResults)),
        fileHash: sha256(readFileSync(aliceLabResults)),
      });
      const mismatch = await client.verifyRecordFile(alice, 2n, aliceAllergies);
      expect(mismatch.matches).to.equal(false);
      expect(mismatch.fileHash).to.equal(sha256(readFileSync(aliceAllergies)));
    });

    it("watchConsents reports a new grant sent over the same RPC", async () => {
      const filtersBefore = newFilterCalls(node!.output());
      let unwatch = () => {};
      const received = new Promise<ConsentEvent>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no consent event within 10 s")), 10_000);
        unwatch = client.watchConsents({ patient: dave.address }, (event) => {
          clearTimeout(timer);
          resolve(event);
        });
      });
      received.catch(() => {}); // awaited below; this only keeps an early timeout from being unhandled
      try {
        // Granted, revoked and revoke-all filters exist on the node before the grant is sent.
        await node!.waitForOutput((output) => newFilterCalls(output) >= filtersBefore + 3);
        const wallet = createWalletClient({
          account: privateKeyToAccount(dave.privateKey),
          chain: hardhat,
          transport: http(node!.url),
        });
        const fullClient = createPublicClient({ chain: hardhat, transport: http(node!.url) });
        const { timestamp } = await client.publicClient.getBlock();
        const hash = await wallet.writeContract({
          address: client.addresses.consentRegistry,
          abi: client.abis.ConsentRegistry,
          functionName: "grantConsent",
          args: [hospital, parseCategories("allergies"), READ, TREATMENT, Number(timestamp) + 30 * DAY],
        });
        const receipt = await fullClient.waitForTransactionReceipt({ hash });
        expect(await received).to.deep.equal({
          type: "granted",
          patient: dave.address,
          grantee: hospital,
          blockNumber: receipt.blockNumber,
          transactionHash: hash,
        });
      } finally {
        unwatch();
      }
    });
  });
});
