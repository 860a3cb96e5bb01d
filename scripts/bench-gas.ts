// Gas benchmark (`npm run bench:gas`, in-process Hardhat network): each MedConsent operation's measured gas beside the
// theoretical minimum of what it stores, reads and logs, its goal, and stock OpenZeppelin operations as anchors. The
// vault's operations (encryption keys, disclosure anchors) follow the consent operations.
import hre from "hardhat";
import {
  GAS,
  formatAnchors,
  formatArithmetic,
  formatOperations,
  measureAnchors,
  measureOperations,
  verdict,
} from "@/harness/contracts/gas";
import { measureVaultOperations } from "@/harness/contracts/vaultGas";
import { besideSignedGrant, measurePasskeyOperations } from "@/harness/contracts/passkeyGas";

async function main() {
  if (hre.network.name !== "hardhat")
    throw new Error(`bench:gas runs on the in-process hardhat network, not ${hre.network.name}`);
  const operations = [
    ...besideSignedGrant(await measureOperations(), await measurePasskeyOperations()),
    ...(await measureVaultOperations()),
  ];
  const anchors = await measureAnchors();

  console.log(
    `MedConsent gas, hardfork ${hre.config.networks.hardhat.hardfork}, solc ${hre.config.solidity.compilers[0].version}\n`,
  );
  console.log(formatOperations(operations));
  console.log("\nAnchors, measured on the same network:\n");
  console.log(formatAnchors(anchors));

  const n = (value: number) => value.toLocaleString("en-US");
  console.log(
    `\nTheoretical minimum = ${n(GAS.TX)} + calldata (16 per non-zero byte, 4 per zero byte)` +
      ` + ${n(GAS.NEW_SLOT)} per new slot + ${n(GAS.CHANGED_SLOT)} per changed or cleared slot` +
      ` (${n(GAS.CLEAR_REFUND)} refunded when cleared) + ${n(GAS.COLD_SLOT_READ)} per cold slot read` +
      ` + ${n(GAS.COLD_ACCOUNT)} per cold account + logs (375 + 375 per topic + 8 per data byte)` +
      ` + ${n(GAS.ECRECOVER)} per ecrecover + ${n(GAS.P256VERIFY)} per P256VERIFY (passkey signature).` +
      ` Each footprint below is checked against the transaction's trace.\n`,
  );
  for (const m of [...operations, ...anchors]) console.log(`${formatArithmetic(m)}\n`);

  const goals = operations.filter((m) => m.goal !== undefined);
  const misses = goals.filter((m) => verdict(m) === "MISS");
  const mismatches = [...operations, ...anchors].filter((m) => m.mismatches.length > 0);
  console.log(`${goals.length - misses.length} PASS, ${misses.length} MISS`);
  if (mismatches.length > 0) {
    console.error(`Footprint model differs from the trace for: ${mismatches.map((m) => m.key).join(", ")}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
