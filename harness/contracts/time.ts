import { time } from "@nomicfoundation/hardhat-network-helpers";

/** Timestamp of the latest block, as a number. */
export async function latestTime(): Promise<number> {
  return time.latest();
}

/** Makes the next block's timestamp exactly `timestamp`, so boundary tests hit the second they mean. */
export async function setNextTimestamp(timestamp: number): Promise<void> {
  await time.setNextBlockTimestamp(timestamp);
}
