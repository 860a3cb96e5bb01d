// The gateway's one error type rendered by route: its JSON and the FHIR routes' OperationOutcome, same status and
// headers; and the one client-address function every rate limit keys on.
import { expect } from "chai";
import { IndexerError } from "@/lib/indexer/indexerReader";
import {
  CURRENT_TO_BLOCK_HEADER,
  errorAsOperationOutcome,
  FHIR_CONTENT_TYPE,
  fhirAnswerResponse,
  operationOutcome,
} from "@/server/fhir/responses";
import { failClosed } from "@/server/gateway/chain/chainReads";
import { clientIpOf } from "@/server/gateway/http/clientAddress";
import { forbidden, GatewayError } from "@/server/gateway/http/errors";
import { errorAsJson } from "@/server/gateway/http/responses";

describe("gateway errors", function () {
  const throttled = new GatewayError(429, "rate_limited", "Too many requests.", { headers: { "Retry-After": "7" } });

  describe("errorAsJson", function () {
    it("renders { error, message } with the status and the error's headers", async function () {
      const response = errorAsJson(throttled);
      expect(response.status).to.equal(429);
      expect(response.headers.get("Retry-After")).to.equal("7");
      expect(response.headers.get("Content-Type")).to.equal("application/json");
      expect(await response.text()).to.equal('{"error":"rate_limited","message":"Too many requests."}');
    });

    it("adds the reason when the refusal has one", async function () {
      const response = errorAsJson(forbidden("No consent.", "forbidden", "AccessNoConsent"));
      expect(await response.json()).to.deep.equal({
        error: "forbidden",
        message: "No consent.",
        reason: "AccessNoConsent",
      });
    });
  });

  describe("errorAsOperationOutcome", function () {
    it("renders the same refusal as an OperationOutcome of the same status, with the error's headers", async function () {
      const response = errorAsOperationOutcome(throttled);
      expect(response.status).to.equal(429);
      expect(response.headers.get("Retry-After")).to.equal("7");
      expect(response.headers.get("Content-Type")).to.equal(FHIR_CONTENT_TYPE);
      expect(await response.json()).to.deep.equal(operationOutcome(429, "rate_limited", "Too many requests."));
    });
  });

  describe("clientIpOf", function () {
    it("trusts only the entry the nearest trusted proxy appended, never the client's own claims", function () {
      expect(clientIpOf(null, 0)).to.equal("local");
      expect(clientIpOf("203.0.113.9", 0)).to.equal("203.0.113.9");
      expect(clientIpOf("6.6.6.6, 203.0.113.9", 0)).to.equal("203.0.113.9");
      expect(clientIpOf("6.6.6.6, 203.0.113.9, 10.0.0.2", 2)).to.equal("203.0.113.9");
      expect(clientIpOf("203.0.113.9", 3)).to.equal("203.0.113.9");
    });
  });

  describe("failClosed and the indexer", function () {
    it("an indexer failure is 503 indexer_unavailable, a chain failure 503 chain_unavailable", async function () {
      const quiet = console.error;
      console.error = () => {};
      try {
        for (const [error, code] of [
          [new IndexerError("The indexer at http://127.0.0.1:1 did not answer."), "indexer_unavailable"],
          [new Error("socket hang up"), "chain_unavailable"],
        ] as const) {
          const thrown = await failClosed("a list", () => Promise.reject(error)).catch((caught: unknown) => caught);
          expect(thrown).to.be.instanceOf(GatewayError);
          expect((thrown as GatewayError).status).to.equal(503);
          expect((thrown as GatewayError).code).to.equal(code);
        }
      } finally {
        console.error = quiet;
      }
    });

    it("a FHIR answer says the block it is current to in X-Current-To-Block", async function () {
      const response = fhirAnswerResponse({
        resource: { resourceType: "Bundle" },
        currentTo: { blockNumber: 1234n },
      });
      expect(response.headers.get(CURRENT_TO_BLOCK_HEADER)).to.equal("1234");
      expect(response.headers.get("content-type")).to.equal(FHIR_CONTENT_TYPE);
    });
  });
});
