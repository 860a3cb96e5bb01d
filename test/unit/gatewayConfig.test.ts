// The gateway's configuration for anchoring, key deletion and the indexer: operators, the on-demand anchor interval,
// the confirmation depth and INDEXER_URL, with their local-chain defaults and errors that name the variable.
import { expect } from "chai";
import { hardhatAccount } from "@/harness/localNode";
import { GatewayConfigError, readGatewayConfig } from "@/server/gateway/config";

const GATEWAY_ACCOUNT = hardhatAccount(19).address;
const DEPLOYER = hardhatAccount(0).address;

describe("readGatewayConfig: anchoring and key deletion", function () {
  it("on the local chain: the anchoring account and the deployer are operators, keys are deleted at depth 0", function () {
    const config = readGatewayConfig({});
    expect(config.operators).to.deep.equal([GATEWAY_ACCOUNT, DEPLOYER]);
    expect(config.keyDeletionConfirmations).to.equal(0);
    expect(config.anchorIntervalSeconds).to.equal(60);
    expect(config.onDemandAnchorSeconds).to.equal(60);
  });

  it("on-demand anchors follow ANCHOR_INTERVAL_SECONDS, and 60 s when the timer is off", function () {
    expect(readGatewayConfig({ ANCHOR_INTERVAL_SECONDS: "300" }).onDemandAnchorSeconds).to.equal(300);
    expect(readGatewayConfig({ ANCHOR_INTERVAL_SECONDS: "0" }).onDemandAnchorSeconds).to.equal(60);
  });

  it("GATEWAY_OPERATORS: a comma-separated list of addresses, checksummed; anything else names the variable", function () {
    const lower = hardhatAccount(5).address.toLowerCase();
    expect(readGatewayConfig({ GATEWAY_OPERATORS: ` ${lower} , ${DEPLOYER}` }).operators).to.deep.equal([
      hardhatAccount(5).address,
      DEPLOYER,
    ]);
    for (const bad of ["0x1234", `${lower},`, "alice", `${lower.slice(0, 41)}G`]) {
      expect(() => readGatewayConfig({ GATEWAY_OPERATORS: bad }), bad)
        .to.throw(GatewayConfigError)
        .with.property("message")
        .that.includes("GATEWAY_OPERATORS");
    }
  });

  it("GATEWAY_KEY_DELETION_CONFIRMATIONS: a whole number of at least 0", function () {
    expect(readGatewayConfig({ GATEWAY_KEY_DELETION_CONFIRMATIONS: "12" }).keyDeletionConfirmations).to.equal(12);
    for (const bad of ["-1", "3.5", "twelve"]) {
      expect(() => readGatewayConfig({ GATEWAY_KEY_DELETION_CONFIRMATIONS: bad }), bad)
        .to.throw(GatewayConfigError)
        .with.property("message")
        .that.includes("GATEWAY_KEY_DELETION_CONFIRMATIONS");
    }
  });

  it("INDEXER_URL: unset by default (lists scan the chain), an http(s) URL without a trailing slash, else named", function () {
    expect(readGatewayConfig({}).indexerUrl).to.equal(undefined);
    expect(readGatewayConfig({ INDEXER_URL: " " }).indexerUrl).to.equal(undefined);
    expect(readGatewayConfig({ INDEXER_URL: "http://127.0.0.1:42069/" }).indexerUrl).to.equal("http://127.0.0.1:42069");
    expect(readGatewayConfig({ INDEXER_URL: "https://indexer.internal/medconsent" }).indexerUrl).to.equal(
      "https://indexer.internal/medconsent",
    );
    for (const bad of ["127.0.0.1:42069", "ftp://indexer", "http://", "http://a b", "http://indexer/?q=1"]) {
      expect(() => readGatewayConfig({ INDEXER_URL: bad }), bad)
        .to.throw(GatewayConfigError)
        .with.property("message")
        .that.includes("INDEXER_URL");
    }
  });
});
