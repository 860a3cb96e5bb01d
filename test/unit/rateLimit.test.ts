// The gateway's in-memory rate limiter: fixed one-minute windows per key (from the key's first request), O(1) work per request, and a size cap that
// keeps its memory constant however many keys (spoofed addresses) arrive.
import { expect } from "chai";
import { MAX_KEYS_IN_MEMORY, MemoryRateLimiter } from "@/server/gateway/http/rateLimit";

const MINUTE = 60_000;
/** The start of a minute. */
const T0 = 29_474_490 * MINUTE;

describe("MemoryRateLimiter (the gateway's rate limits without a shared database)", function () {
  it("allows `limit` requests per key in a window, then refuses with the seconds left in it", function () {
    const limiter = new MemoryRateLimiter(10, MINUTE);
    for (let i = 0; i < 10; i++) {
      expect(limiter.takeNow(["ip:a"], T0 + i * 100), `request ${i + 1}`).to.deep.equal({ allowed: true });
    }
    expect(limiter.takeNow(["ip:a"], T0 + 1_000)).to.deep.equal({ allowed: false, retryAfter: 59 });
    expect(limiter.takeNow(["ip:a"], T0 + 59_999)).to.deep.equal({ allowed: false, retryAfter: 1 });
  });

  it("starts a key afresh once its window ends, with a window from that request", function () {
    const limiter = new MemoryRateLimiter(3, MINUTE);
    for (let i = 0; i < 5; i++) limiter.takeNow(["ip:a"], T0 + 30_000);
    expect(limiter.takeNow(["ip:a"], T0 + MINUTE + 29_999).allowed, "still in the first window").to.equal(false);
    for (let i = 0; i < 3; i++) expect(limiter.takeNow(["ip:a"], T0 + MINUTE + 30_000 + i).allowed).to.equal(true);
    expect(limiter.takeNow(["ip:a"], T0 + MINUTE + 30_010)).to.deep.equal({ allowed: false, retryAfter: 60 });
  });

  it("never splits a burst at a wall-clock minute: a key's window starts at its first request", function () {
    const limiter = new MemoryRateLimiter(3, MINUTE);
    for (let i = 0; i < 3; i++) expect(limiter.takeNow(["ip:a"], T0 + 59_000 + i).allowed).to.equal(true);
    expect(limiter.takeNow(["ip:a"], T0 + MINUTE + 1_000).allowed, "across the minute, same window").to.equal(false);
  });

  it("counts each key on its own; a request is refused when any of its keys is over", function () {
    const limiter = new MemoryRateLimiter(2, MINUTE);
    limiter.takeNow(["ip:a", "session:s"], T0);
    limiter.takeNow(["ip:b", "session:s"], T0);
    expect(limiter.takeNow(["ip:c"], T0).allowed).to.equal(true);
    expect(limiter.takeNow(["ip:c", "session:s"], T0).allowed, "the session is over").to.equal(false);
    expect(limiter.takeNow(["ip:d", "session:t"], T0).allowed).to.equal(true);
  });

  it("counts refused requests too, so a client that keeps hammering stays refused for the window", function () {
    const limiter = new MemoryRateLimiter(2, MINUTE);
    for (let i = 0; i < 50; i++) limiter.takeNow(["ip:a"], T0);
    expect(limiter.takeNow(["ip:a"], T0 + 59_999).allowed).to.equal(false);
    expect(limiter.takeNow(["ip:a"], T0 + MINUTE).allowed).to.equal(true);
  });

  it("holds at most its cap of keys under 100,000 distinct keys, and drops expired ones as it goes", function () {
    const cap = 1_000;
    const limiter = new MemoryRateLimiter(5, MINUTE, cap);
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      limiter.takeNow([`ip:203.0.${i >> 8}.${i & 255}`], T0 + Math.floor(i / 10));
      largest = Math.max(largest, limiter.size);
    }
    expect(largest).to.equal(cap);
    // A new window: every take drops expired keys from the front, so the old ones drain without a full scan.
    for (let i = 0; i < cap; i++) limiter.takeNow(["ip:fresh"], T0 + 10 * MINUTE);
    expect(limiter.size).to.equal(1);
  });

  it("caps itself at 100,000 keys by default", function () {
    const limiter = new MemoryRateLimiter(5, MINUTE);
    for (let i = 0; i < 150_000; i++) limiter.takeNow([`ip:${i}`], T0);
    expect(limiter.size).to.equal(MAX_KEYS_IN_MEMORY).and.equal(100_000);
    // The evicted keys were the oldest; the newest still count.
    for (let i = 0; i < 4; i++) limiter.takeNow(["ip:149999"], T0);
    expect(limiter.takeNow(["ip:149999"], T0).allowed).to.equal(false);
  });
});
