import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { apiKeyProblem } from "../../src/core/apiKey";

describe("apiKeyProblem", () => {
  test("keys the daemon takes can be sent: printable ASCII, spaces and Latin-1", () => {
    for (const key of ["uVdeNYzeYK0vv_o4XhgzKwH5ii4eUVMz", "k3y with spaces", "clé-ÿ", "~!@#$%^&*()"]) {
      assert.equal(apiKeyProblem(key), undefined, key);
    }
  });

  test("a character no header can carry is named, whatever its place", () => {
    assert.match(apiKeyProblem("k3y\u200b") ?? "", /U\+200B, which an HTTP header cannot carry/);
    assert.match(apiKeyProblem("\u201ck3y\u201d") ?? "", /U\+201C/);
    assert.match(apiKeyProblem("k\u00003y") ?? "", /U\+0000/);
    assert.match(apiKeyProblem("k3y\t") ?? "", /U\+0009/);
    assert.match(apiKeyProblem("密码") ?? "", /U\+5BC6/);
    assert.match(apiKeyProblem("k3y😀") ?? "", /U\+1F600/);
  });
});
