// `npm run seed`: fills the local chain with a realistic demo scene. Uses only Hardhat's well-known test accounts,
// and refuses to run on any chain but the local one (31337).
import path from "node:path";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploymentOf } from "@/lib/consentClient";
import { DEMO_PEOPLE } from "@/lib/demoAccounts";
import { parseCategories, READ, APPEND, RESEARCH, TREATMENT } from "@/lib/consentCodes";
import type { ConsentRegistry, DisclosureLog, KeyDirectory, ProviderRegistry, RecordRegistry } from "@/typechain-types";
import { ALICE_ALLERGIES, ALICE_LIPID_PANEL, ALICE_MEDICATIONS } from "@/harness/demoRecords";
import { demoVault } from "./lib/demoVault";
import { printTable } from "@/harness/table";

const LOCAL_CHAIN_ID = 31337;
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const DAY = 24 * 3600;
/** Hardhat account #19 (0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199) runs the local gateway and anchors its disclosures. */
const LOCAL_GATEWAY_INDEX = 19;
/** Demo ciphertexts go here, so `record:verify` has files to check. */
export const DEMO_FILES_DIR = path.join("cache", "demo-records");

async function main() {
  const { ethers, network } = hre;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  if (chainId !== LOCAL_CHAIN_ID) {
    throw new Error(`npm run seed only runs on the local chain (31337); ${network.name} is chain ${chainId}.`);
  }
  const deployment = deploymentOf(chainId);
  if (deployment === undefined) throw new Error("Deploy first: npm run deploy -- --network localhost");
  const { addresses } = deployment;
  if ((await ethers.provider.getCode(addresses.consentRegistry)) === "0x") {
    throw new Error(
      "The contracts in the bindings are not on this chain. Deploy first: npm run deploy -- --network localhost",
    );
  }

  // The well-known Hardhat accounts, whatever accounts the network config has (e.g. --network custom).
  const [admin, registrar, familyPractice, hospital, laboratory, research, alice, bob, guardian] = Array.from(
    { length: 9 },
    (_, index) =>
      ethers.HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).connect(ethers.provider),
  );
  const providers = (await ethers.getContractAt(
    "ProviderRegistry",
    addresses.providerRegistry,
  )) as unknown as ProviderRegistry;
  const consents = (await ethers.getContractAt(
    "ConsentRegistry",
    addresses.consentRegistry,
  )) as unknown as ConsentRegistry;
  const records = (await ethers.getContractAt("RecordRegistry", addresses.recordRegistry)) as unknown as RecordRegistry;

  // The local gateway's right to anchor disclosure batches, granted on its own so a chain seeded before the disclosure
  // log existed (and deployed again since) gets it too.
  if ((await ethers.provider.getCode(addresses.disclosureLog)) === "0x") {
    throw new Error("The disclosure log is not on this chain. Deploy again: npm run deploy -- --network localhost");
  }
  const disclosureLog = (await ethers.getContractAt(
    "DisclosureLog",
    addresses.disclosureLog,
  )) as unknown as DisclosureLog;
  const gateway = ethers.HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${LOCAL_GATEWAY_INDEX}`);
  const gatewayRole = await disclosureLog.GATEWAY_ROLE();
  if (!(await disclosureLog.hasRole(gatewayRole, gateway.address))) {
    await (await disclosureLog.connect(admin).grantRole(gatewayRole, gateway.address)).wait();
    console.log(`Local gateway ${gateway.address} (account #${LOCAL_GATEWAY_INDEX}) may now anchor disclosures.\n`);
  }

  const accounts = [admin, registrar, familyPractice, hospital, laboratory, research, alice, bob, guardian];
  const people = DEMO_PEOPLE.map((person) => ({ ...person, account: accounts[person.index] }));

  if (await providers.isActiveProvider(familyPractice.address)) {
    console.log("The local chain is already seeded.\n");
    printPeople(people);
    return;
  }

  const wait = async (tx: Promise<{ wait: () => Promise<unknown> }>) => (await tx).wait();
  const now = async () => time.latest();

  // Registrar and providers.
  await wait(providers.connect(admin).grantRole(await providers.REGISTRAR_ROLE(), registrar.address));
  const asRegistrar = providers.connect(registrar);
  const credential = (name: string) => ethers.id(`demo credential: ${name}`);
  await wait(
    asRegistrar.registerProvider(familyPractice.address, 1, "Northside Family Practice", credential("northside")),
  );
  await wait(asRegistrar.registerProvider(hospital.address, 1, "St. Mary's Hospital", credential("st-marys")));
  await wait(asRegistrar.registerProvider(laboratory.address, 2, "Riverside Laboratory", credential("riverside")));
  await wait(
    asRegistrar.registerProvider(research.address, 3, "Heart Health Research Study", credential("heart-study")),
  );
  await wait(asRegistrar.setEmergencyCapable(hospital.address, true));

  // Alice: active, expiring within a week, expired and revoked consents.
  const asAlice = consents.connect(alice);
  await wait(
    asAlice.grantConsent(
      familyPractice.address,
      parseCategories("allergies,medications,conditions,lab-results,immunizations"),
      READ | APPEND,
      TREATMENT,
      (await now()) + 180 * DAY,
    ),
  );
  await wait(
    asAlice.grantConsent(
      laboratory.address,
      parseCategories("lab-results"),
      READ | APPEND,
      TREATMENT,
      (await now()) + 5 * DAY,
    ),
  );
  await wait(
    asAlice.grantConsent(hospital.address, parseCategories("routine"), READ, TREATMENT, (await now()) + 90 * DAY),
  );
  await wait(asAlice.revokeConsent(hospital.address));
  // Expires a few seconds from now; the clock then moves 10 s, so the chain stays close to real time.
  await wait(
    asAlice.grantConsent(
      research.address,
      parseCategories("lab-results,vital-signs"),
      READ,
      RESEARCH,
      (await now()) + 5,
    ),
  );
  await time.increase(10);

  // Records, encrypted as the portal does: Alice's own two and the laboratory's lipid panel (added through its
  // APPEND consent), each key shared with Alice and the providers whose consent covers that category with READ.
  const keyDirectory = (await ethers.getContractAt("KeyDirectory", addresses.keyDirectory)) as unknown as KeyDirectory;
  const vault = demoVault({
    chainId,
    keyDirectory,
    records,
    gatewayUrl: process.env.GATEWAY_URL,
    filesDir: DEMO_FILES_DIR,
  });
  await vault.publishKeys([alice, bob, familyPractice, hospital, laboratory, research]);
  const forAlice = { patient: alice, patientName: "alice" };
  await vault.addRecord({ ...forAlice, author: alice, file: ALICE_ALLERGIES, readers: [familyPractice] });
  await vault.addRecord({
    ...forAlice,
    author: laboratory,
    file: ALICE_LIPID_PANEL,
    readers: [familyPractice, laboratory],
  });
  await vault.addRecord({ ...forAlice, author: alice, file: ALICE_MEDICATIONS, readers: [familyPractice] });
  // Alice leaves emergency access on (the default): the local gateway's escrow key goes on the KeyDirectory under its
  // account, and her routine records get escrow copies, so St. Mary's can break the glass and open her allergies.
  const escrowCopies = await vault.prepareEmergencyAccess({
    gateway: gateway.connect(ethers.provider),
    patient: alice,
  });

  // Bob: consents ended by revoke-all, then a guardian (named after it: revoke-all removes delegates) granting in the
  // new epoch, and an emergency access.
  const asBob = consents.connect(bob);
  await wait(
    asBob.grantConsent(laboratory.address, parseCategories("lab-results"), READ, TREATMENT, (await now()) + 60 * DAY),
  );
  await wait(
    asBob.grantConsent(research.address, parseCategories("genetic-data"), READ, RESEARCH, (await now()) + 365 * DAY),
  );
  await wait(asBob.revokeAllConsents());
  await wait(asBob.setDelegate(guardian.address, true));
  await wait(
    consents
      .connect(guardian)
      .grantConsentFor(
        bob.address,
        familyPractice.address,
        parseCategories("routine"),
        READ,
        TREATMENT,
        (await now()) + 365 * DAY,
      ),
  );
  await wait(consents.connect(hospital).breakGlass(bob.address, ethers.id("EMERGENCY:UNCONSCIOUS_PATIENT")));

  console.log("Seeded the local chain with the demo scene.\n");
  printPeople(people);
  console.log(`\nDemo record ciphertexts (for record:verify): ${DEMO_FILES_DIR}/`);
  if (escrowCopies > 0) {
    console.log(
      `Alice's ${escrowCopies} routine records can be opened by St. Mary's Hospital after it breaks the glass.`,
    );
  }
  if (process.env.GATEWAY_URL === undefined) {
    console.log("No GATEWAY_URL: the records are on chain but not uploaded, so no one can open them in the portal.");
  }
}

function printPeople(people: { index: number; name: string; description: string; account: { address: string } }[]) {
  printTable(
    people.map(({ index, name, description, account }) => ({
      account: `#${index}`,
      role: description,
      who: name,
      address: account.address,
    })),
  );
  console.log("Private keys: the well-known Hardhat test keys (printed by `npm run chain`). Never use them elsewhere.");
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
