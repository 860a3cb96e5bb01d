// Serving scaled out the way Ponder does it: one `ponder start` indexing into PostgreSQL and two `ponder serve`
// processes answering from the same database and schema. After changes on chain, both serving processes must give the
// same answers as the indexing one and the log scan, current to the same block. Needs Debian's PostgreSQL server: runs
// only with INDEXER_TEST_POSTGRES=1 (CI's PostgreSQL step), pending otherwise.
import { expect } from "chai";
import { createConsentClient, type ConsentClient } from "@/lib/consentClient";
import { listProviders } from "@/lib/providers";
import { startIndexer, type IndexerProcess } from "@/harness/indexer";
import { hardhatAccount, type LocalNode } from "@/harness/localNode";
import { MedConsentChain, startDeployedChain, type DeployedChain } from "@/harness/medConsentChain";
import { startPostgres, type LocalPostgres } from "@/harness/postgres";

const ENABLED = process.env.INDEXER_TEST_POSTGRES === "1";
const WHY_PENDING = "pending: set INDEXER_TEST_POSTGRES=1 to run it on a throwaway PostgreSQL (Debian's server)";
const PATIENTS = [10, 11, 12];
const PROVIDERS = [2, 3];

describe(`indexer: one indexing process and two serving processes on one PostgreSQL${ENABLED ? "" : ` (${WHY_PENDING})`}`, function () {
  this.timeout(300_000);
  let node: LocalNode;
  let postgres: LocalPostgres;
  let writer: IndexerProcess;
  const servers: IndexerProcess[] = [];
  let chain: MedConsentChain;
  let scan: ConsentClient;
  let fromWriter: ConsentClient;
  let fromServers: ConsentClient[];
  let deployed: DeployedChain | undefined;

  before(async function () {
    if (!ENABLED) this.skip();
    deployed = await startDeployedChain();
    ({ node, chain } = deployed);
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase("indexer");
    writer = await startIndexer({ rpcUrl: node.url, databaseUrl });
    // Serve-only processes start once the indexing one has created the schema's tables.
    for (let i = 0; i < 2; i++) servers.push(await startIndexer({ rpcUrl: node.url, databaseUrl, serveOnly: true }));
    scan = createConsentClient({ chainId: 31337, rpcUrl: node.url });
    fromWriter = createConsentClient({ chainId: 31337, rpcUrl: node.url, indexerUrl: writer.url });
    fromServers = servers.map((server) =>
      createConsentClient({ chainId: 31337, rpcUrl: node.url, indexerUrl: server.url }),
    );
  });

  after(async function () {
    for (const server of servers) await server.stop();
    await writer?.stop();
    await postgres?.stop();
    await deployed?.stop();
  });

  const address = (index: number) => hardhatAccount(index).address;

  /** Waits until every serving process answers as of the chain's head; returns that block. */
  async function allCaughtUp(): Promise<bigint> {
    const head = await scan.blockNumber();
    for (let attempt = 0; attempt < 300; attempt++) {
      const statuses = await Promise.all([fromWriter, ...fromServers].map((client) => client.indexerStatus()));
      if (statuses.every((status) => status!.indexedTo.blockNumber >= head)) return head;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const output = [writer, ...servers].map((p) => p.output().slice(-1500)).join("\n----\n");
    throw new Error(`The serving processes did not reach block ${head}:\n${output}`);
  }

  async function expectSameEverywhere(head: bigint) {
    for (const index of PATIENTS) {
      const patient = address(index);
      const expected = [...(await scan.listConsents({ patient }))];
      for (const [i, client] of [fromWriter, ...fromServers].entries()) {
        const listed = await client.listConsents({ patient });
        expect([...listed], `consents of #${index} from process ${i}`).to.deep.equal(expected);
        expect(listed.currentTo.blockNumber, `block of process ${i}`).to.equal(head);
        expect([...(await client.getPatientEvents(patient))]).to.deep.equal([
          ...(await scan.getPatientEvents(patient)),
        ]);
      }
    }
    for (const index of PROVIDERS) {
      const grantee = address(index);
      const expected = [...(await scan.listConsents({ grantee }))];
      for (const client of fromServers) expect([...(await client.listConsents({ grantee }))]).to.deep.equal(expected);
    }
    const providers = [...(await listProviders(scan))];
    for (const client of fromServers) expect([...(await listProviders(client))]).to.deep.equal(providers);
  }

  it("both serving processes answer the same as the indexing one and the log scan", async function () {
    for (const index of PROVIDERS) await chain.registerProvider(index, `Provider ${index}`);
    await chain.grantConsent(10, address(2), { categories: 0b10010n, actions: 3, purposes: 1 });
    await chain.grantConsent(11, address(2), { categories: 0b1n, actions: 1, purposes: 1 });
    await chain.grantConsent(12, address(3), { categories: 0b100n, actions: 1, purposes: 1 });
    await chain.revokeConsent(11, address(2));
    const head = await allCaughtUp();
    await expectSameEverywhere(head);
    expect((await fromServers[0].listConsents({ patient: address(11) }))[0].state).to.equal("revoked");
  });

  it("a change on chain is fresh through both serving processes within a second", async function () {
    await chain.grantConsent(11, address(3), { categories: 0b1000n, actions: 1, purposes: 1 });
    const minedAt = Date.now();
    const head = await scan.blockNumber();
    const seen: number[] = [];
    for (const client of fromServers) {
      while (!(await client.listConsents({ patient: address(11) })).some((c) => c.grantee === address(3))) {
        if (Date.now() - minedAt > 10_000) throw new Error("A serving process did not show the new grant in 10 s.");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      seen.push(Date.now() - minedAt);
    }
    console.log(`      new grant visible through the two serving processes after ${seen.join(" ms, ")} ms`);
    expect(Math.max(...seen)).to.be.below(1_000);
    await expectSameEverywhere(await allCaughtUp());
    expect(await allCaughtUp()).to.be.at.least(head);
  });

  it("a serving process keeps answering while another stops", async function () {
    await servers[1].stop();
    await chain.revokeConsent(10, address(2));
    const head = await scan.blockNumber();
    for (let attempt = 0; attempt < 100; attempt++) {
      const status = await fromServers[0].indexerStatus();
      if (status!.indexedTo.blockNumber >= head) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const listed = await fromServers[0].listConsents({ patient: address(10) });
    expect(listed.find((c) => c.grantee === address(2))?.state).to.equal("revoked");
    expect([...listed]).to.deep.equal([...(await scan.listConsents({ patient: address(10) }))]);
  });
});
