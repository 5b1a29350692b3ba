import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { LatestRequest } from "../../src/core/latest";

describe("LatestRequest", () => {
  test("a lone request's answer counts", () => {
    const latest = new LatestRequest();
    assert.equal(latest.isLatest(latest.begin()), true);
  });

  test("a slow answer to an older request is ignored, whichever order the answers come in", () => {
    const latest = new LatestRequest();
    const old = latest.begin();
    const newer = latest.begin();
    assert.equal(latest.isLatest(newer), true);
    assert.equal(latest.isLatest(old), false);
  });
});
