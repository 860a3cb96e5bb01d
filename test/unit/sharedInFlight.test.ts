import { expect } from "chai";
import { sharedInFlight } from "@/app/_lib/sharedInFlight";

describe("sharedInFlight", function () {
  it("shares one run per key (any case) while it is under way, and starts anew after it settles", async function () {
    const once = sharedInFlight<number>();
    let starts = 0;
    const start = async () => ++starts;
    const [a, b] = await Promise.all([once("0xAB", start), once("0xab", start)]);
    expect([a, b, starts]).to.deep.equal([1, 1, 1]);
    expect(await once("0xab", start)).to.equal(2);
    expect(await once("0xcd", start)).to.equal(3);
  });

  it("lets a failed run be tried again", async function () {
    const once = sharedInFlight<string>();
    await once("k", async () => Promise.reject(new Error("declined"))).catch(() => undefined);
    expect(await once("k", async () => "ok")).to.equal("ok");
  });
});
