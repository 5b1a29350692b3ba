import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkServerUrl, dashboardUrl } from "../../src/core/serverUrl";

describe("checkServerUrl", () => {
  describe("fine as they are", () => {
    const fine = [
      "http://127.0.0.1:3000",
      "http://127.0.0.1:3000/",
      "http://localhost:3000",
      "http://LOCALHOST:3000",
      "http://oxitrack.localhost:3000",
      "http://127.1.2.3:3000",
      "http://[::1]:3000",
      "https://tracker.example.com",
      "https://192.168.1.20:3443/oxitrack",
    ];
    for (const url of fine) {
      test(url, () => assert.deepEqual(checkServerUrl(url), {}));
    }
  });

  describe("clear text across the network: a warning", () => {
    const exposed = ["http://192.168.1.20:3000", "http://nas.local:3000", "http://tracker.example.com", "http://[fe80::1]:3000", "http://128.0.0.1:3000"];
    for (const url of exposed) {
      test(url, () => {
        const check = checkServerUrl(url);
        assert.equal(check.problem, undefined);
        assert.match(check.warning ?? "", /unencrypted/);
      });
    }
  });

  describe("malformed: a settings error naming the fix", () => {
    const cases: Array<[string, RegExp]> = [
      ["localhost:3000", /http:\/\/localhost:3000/],
      ["127.0.0.1:3000", /http:\/\/127\.0\.0\.1:3000/],
      ["ftp://127.0.0.1:3000", /http:\/\/ or https:\/\//],
      ["http://me:secret@127.0.0.1:3000", /Set API Key/],
      ["http://me@127.0.0.1:3000", /Set API Key/],
      ["http://127.0.0.1:3000/?x=1", /query/],
      ["http://127.0.0.1:3000/#top", /fragment/],
      ["http://", /not a URL/],
      ["http://127.0.0.1:99999", /not a URL/],
    ];
    for (const [url, hint] of cases) {
      test(url, () => {
        const check = checkServerUrl(url);
        assert.match(check.problem ?? "", hint);
        assert.equal(check.warning, undefined);
      });
    }
  });

  describe("a port no request can reach: a settings error, not a daemon 'offline' for ever", () => {
    test("port 0 (what `oxitrack serve --port 0` is given, not the port it listens on)", () => {
      const problem = checkServerUrl("http://127.0.0.1:0").problem ?? "";
      assert.match(problem, /port 0/);
      assert.match(problem, /the port `oxitrack serve` printed/);
    });
    // fetch refuses these ports before connecting ("bad port"), in VS Code as in Node.
    for (const port of [1, 22, 6000, 6666, 10080]) {
      test(`port ${port}, which fetch refuses to connect to`, () => {
        const problem = checkServerUrl(`http://127.0.0.1:${port}`).problem ?? "";
        assert.match(problem, new RegExp(`port ${port} is one VS Code refuses to connect to`));
        assert.match(problem, /--port 3001/);
      });
    }
    test("ports next to them are fine", () => {
      for (const port of [3000, 6001, 6664, 10081, 8080, 65535]) {
        assert.deepEqual(checkServerUrl(`http://127.0.0.1:${port}`), {}, String(port));
      }
    });
    test("an https:// address without a port is port 443: fine", () => {
      assert.deepEqual(checkServerUrl("https://tracker.example.com:443"), {});
    });
  });

  describe("a path naming one of the daemon's routes: a settings error with the address to write", () => {
    const cases: Array<[string, string]> = [
      // WakaTime's api_url for the daemon, pasted here by a WakaTime user
      ["http://127.0.0.1:3000/api/v1", "http://127.0.0.1:3000"],
      ["http://127.0.0.1:3000/api/v1/", "http://127.0.0.1:3000"],
      // an endpoint copied from a curl example
      ["http://localhost:3000/beat", "http://localhost:3000"],
      ["http://localhost:3000/today", "http://localhost:3000"],
      ["http://localhost:3000/health", "http://localhost:3000"],
      // behind a proxy, the proxy's prefix stays
      ["https://tracker.example.com/oxitrack/api/v1", "https://tracker.example.com/oxitrack"],
      ["https://tracker.example.com/oxitrack/beat", "https://tracker.example.com/oxitrack"],
    ];
    for (const [url, fixed] of cases) {
      test(url, () => {
        const problem = checkServerUrl(url).problem ?? "";
        assert.match(problem, /one of the daemon's own routes/);
        assert.ok(problem.endsWith(`write the daemon's address alone: ${fixed}`), problem);
      });
    }
    test("a proxy's own prefix is fine, even one that reads like a word of ours", () => {
      for (const url of ["https://tracker.example.com/oxitrack", "https://example.com/api", "https://example.com/beats", "https://example.com/apiary"]) {
        assert.deepEqual(checkServerUrl(url), {}, url);
      }
    });
  });

  test("a problem names the setting and the value", () => {
    assert.match(checkServerUrl("localhost:3000").problem ?? "", /oxitrack\.serverUrl "localhost:3000"/);
  });

  test("a problem does not repeat a password", () => {
    assert.doesNotMatch(checkServerUrl("http://me:secret@nas.local:3000").problem ?? "", /secret/);
  });

  test("nor one written without a scheme", () => {
    const problem = checkServerUrl("me:secret@nas.local:3000").problem ?? "";
    assert.match(problem, /no http:\/\/ or https:\/\//);
    assert.doesNotMatch(problem, /secret/);
  });
});

describe("dashboardUrl (OxiTrack: Open Dashboard)", () => {
  test("the server URL with one slash after it", () => {
    assert.deepEqual(dashboardUrl("http://127.0.0.1:3000"), { url: "http://127.0.0.1:3000/" });
    assert.deepEqual(dashboardUrl("http://127.0.0.1:3000//"), { url: "http://127.0.0.1:3000/" });
    assert.deepEqual(dashboardUrl("https://192.168.1.20:3443/oxitrack"), { url: "https://192.168.1.20:3443/oxitrack/" });
  });
  test("a clear-text address elsewhere still opens: only a warning", () => {
    assert.deepEqual(dashboardUrl("http://nas.local:3000"), { url: "http://nas.local:3000/" });
  });
  const broken: Array<[string, RegExp]> = [
    ["localhost:3000", /no http:\/\/ or https:\/\//],
    ["http://me:secret@127.0.0.1:3000", /user name or password/],
    ["http://127.0.0.1:0", /port 0/],
  ];
  for (const [url, why] of broken) {
    test(`${url}: nothing to open, and why`, () => {
      const target = dashboardUrl(url);
      assert.equal("url" in target, false);
      assert.match("problem" in target ? target.problem : "", why);
    });
  }
});
