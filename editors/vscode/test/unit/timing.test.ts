import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { DEFAULT_TIMING, timingFromEnv } from "../../src/core/timing";

describe("timingFromEnv", () => {
  test("defaults are the product's: 30 s throttle, 60 s keep-alive, 2 min active window", () => {
    const { timing, scale } = timingFromEnv({});
    assert.equal(scale, 1);
    assert.equal(timing.throttleMs, 30_000);
    assert.equal(timing.keepaliveMs, 60_000);
    assert.equal(timing.activeWindowMs, 120_000);
    assert.equal(timing.replayEveryMs, 60_000);
    assert.equal(timing.statusEveryMs, 60_000);
  });

  test("a scale shrinks every interval but not the request timeout", () => {
    const { timing, scale } = timingFromEnv({ OXITRACK_TIME_SCALE: "0.1" });
    assert.equal(scale, 0.1);
    assert.equal(timing.throttleMs, 3_000);
    assert.equal(timing.keepaliveMs, 6_000);
    assert.equal(timing.activeWindowMs, 12_000);
    assert.equal(timing.requestTimeoutMs, DEFAULT_TIMING.requestTimeoutMs);
  });

  for (const raw of ["", "0", "-1", "2", "fast", "NaN"]) {
    test(`a scale of ${JSON.stringify(raw)} is ignored`, () => {
      assert.deepEqual(timingFromEnv({ OXITRACK_TIME_SCALE: raw }), { timing: DEFAULT_TIMING, scale: 1 });
    });
  }
});
