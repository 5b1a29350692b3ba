import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as net from "node:net";
import { describe, test } from "node:test";

import {
  foreignListeners,
  isLoopbackHost,
  type ListenerLookup,
  parseListeners,
  readListeners,
  SYSTEM_LOOKUP,
} from "../../src/core/listeners";

/**
 * /proc/net/tcp as Linux writes it: 3000 (0BB8) listened on by uid 1000 on 127.0.0.1 and by uid
 * 1001 on 0.0.0.0; a connection to 3000 (01, ESTABLISHED) of uid 1002 and one from it (TIME_WAIT)
 * that are no listeners; 5432 (1538) listened on by uid 113.
 */
const TCP = [
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5832237 1 00000000ffe0566b 100 0 0 10 0",
  "   1: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 5832238 1 00000000ffe0566c 100 0 0 10 0",
  "   2: 0100007F:D431 0100007F:0BB8 01 00000000:00000000 00:00000000 00000000  1002        0 5832239 1 00000000ffe0566d 20 4 30 10 -1",
  "   3: 0100007F:0BB8 0100007F:D431 06 00000000:00000000 03:00001770 00000000     0        0 0 3 00000000ffe0566e",
  "   4: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 19273 1 00000000ffe0566f 100 0 0 10 0",
  "",
].join("\n");

/** /proc/net/tcp6: 3000 listened on by uid 65534 on ::1; 8080 (1F90) by uid 1000 on ::. */
/** /proc/net/tcp6: 3000 listened on by uid 4242 on ::ffff:127.0.0.1 (an IPv6 socket taking IPv4). */
const TCP6_MAPPED = [
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 0000000000000000FFFF00000100007F:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  4242        0 6000003 1 0000000000000000 100 0 0 10 0",
  "",
].join("\n");

const TCP6 = [
  "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
  "   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 65534        0 6000001 1 0000000000000000 100 0 0 10 0",
  "   1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 6000002 1 0000000000000000 100 0 0 10 0",
  "",
].join("\n");

describe("parseListeners", () => {
  const cases: Array<[string, string, number, Array<[string, number]>]> = [
    ["tcp", TCP, 3000, [["127.0.0.1", 1000], ["0.0.0.0", 1001]]],
    ["tcp", TCP, 5432, [["0.0.0.0", 113]]],
    ["tcp", TCP, 54321, []], // 0xD431: a connection's port, not a listener's
    ["tcp", TCP, 8080, []],
    ["tcp6", TCP6, 3000, [["::1", 65534]]],
    ["tcp6", TCP6, 8080, [["::", 1000]]],
    ["tcp6, IPv4-mapped", TCP6_MAPPED, 3000, [["127.0.0.1", 4242]]],
    ["header only", TCP.split("\n")[0] ?? "", 3000, []],
    ["empty", "", 3000, []],
    ["garbled lines", "header\n 0: nonsense\n 1: 0100007F:0BB8 x 0A a b c notanumber\n 2: 0100007F:BB8 x 0A a b c 5\n 3: 7F:0BB8 x 0A a b c 5", 3000, []],
  ];
  for (const [name, table, port, expected] of cases) {
    test(`${name}, port ${port}: ${JSON.stringify(expected)}`, () => {
      const found = parseListeners(table, port, true).map(({ address, uid }) => [address, uid]);
      assert.deepEqual(found, expected);
    });
  }

  test("a big-endian machine writes each word the other way round", () => {
    assert.deepEqual(parseListeners(TCP.replace("0100007F:0BB8", "7F000001:0BB8"), 3000, false)[0], { address: "127.0.0.1", uid: 1000 });
  });
});

/** Tables as given; a missing one cannot be read, as on a system without /proc/net. */
function lookup(
  uid: number | undefined,
  tables: Readonly<Record<string, string>>,
  localhost: readonly string[] = ["127.0.0.1", "::1"],
): ListenerLookup & { reads: string[] } {
  const reads: string[] = [];
  return {
    uid,
    reads,
    resolve: async (hostname) => (hostname.startsWith("localhost") ? [...localhost] : []),
    readTable: async (path) => {
      reads.push(path);
      const table = tables[path];
      if (table === undefined) {
        throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
      }
      return table;
    },
  };
}

const LINUX = { "/proc/net/tcp": TCP, "/proc/net/tcp6": TCP6 };

describe("readListeners", () => {
  const uids = (listeners: Array<{ uid: number }> | undefined) => listeners?.map(({ uid }) => uid);

  test("both tables count", async () => {
    assert.deepEqual(uids(await readListeners(3000, lookup(0, LINUX).readTable)), [1000, 1001, 65534]);
  });

  test("one table readable is enough (no IPv6)", async () => {
    assert.deepEqual(uids(await readListeners(3000, lookup(0, { "/proc/net/tcp": TCP }).readTable)), [1000, 1001]);
  });

  test("no table readable: not known", async () => {
    assert.equal(await readListeners(3000, lookup(0, {}).readTable), undefined);
  });
});

describe("isLoopbackHost", () => {
  const cases: Array<[string, boolean]> = [
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["LOCALHOST", true],
    ["[::1]", true],
    ["192.168.1.5", false],
    ["10.0.0.1", false],
    ["tracker.example", false],
    ["localhost.example", false],
    ["[::]", false],
    ["0.0.0.0", false],
  ];
  for (const [host, expected] of cases) {
    test(`${host}: ${expected}`, () => assert.equal(isLoopbackHost(host), expected));
  }
});

describe("foreignListeners", () => {
  const ownTcp = { "/proc/net/tcp": TCP.replace(/ 1000 /g, " 4242 ").replace(/ 1001 /g, " 4242 ") };

  test("the port is this account's: the key may go", async () => {
    assert.equal(await foreignListeners("http://127.0.0.1:3000", lookup(4242, ownTcp)), undefined);
  });

  test("only other accounts listen where the request lands: they are named, the key must not go", async () => {
    assert.deepEqual(await foreignListeners("http://127.0.0.1:3000", lookup(4242, LINUX)), [1000, 1001]);
    assert.deepEqual(await foreignListeners("http://localhost:5432/", lookup(4242, LINUX)), [113]);
    assert.deepEqual(await foreignListeners("http://[::1]:8080", lookup(4242, LINUX)), [1000]);
    assert.deepEqual(await foreignListeners("http://[::1]:3000", lookup(4242, LINUX)), [65534]);
  });

  test("this account's program and another's both take the request: the key must not go", async () => {
    assert.deepEqual(await foreignListeners("http://127.0.0.1:3000", lookup(1001, LINUX)), [1000]);
  });

  test("this account's program on another address of the port says nothing of who listens here", async () => {
    // Yours on ::1 (a dev server), another account's on 127.0.0.1: the key went to theirs.
    const tables = {
      "/proc/net/tcp": TCP.replace(/ 1001 /g, " 1000 "),
      "/proc/net/tcp6": TCP6.replace(/ 65534 /g, "  4242 "),
    };
    assert.deepEqual(await foreignListeners("http://127.0.0.1:3000", lookup(4242, tables)), [1000]);
    assert.equal(await foreignListeners("http://[::1]:3000", lookup(4242, tables)), undefined);
    // localhost lands where its first address that a socket takes leads.
    assert.deepEqual(await foreignListeners("http://localhost:3000", lookup(4242, tables, ["127.0.0.1", "::1"])), [1000]);
    assert.equal(await foreignListeners("http://localhost:3000", lookup(4242, tables, ["::1", "127.0.0.1"])), undefined);
  });

  test("an IPv6 socket on :: or on ::ffff:127.0.0.1 takes IPv4 requests too", async () => {
    const onWildcard = { "/proc/net/tcp6": TCP6.replace(/00000000000000000000000001000000:0BB8/, "00000000000000000000000000000000:0BB8") };
    assert.deepEqual(await foreignListeners("http://127.0.0.1:3000", lookup(4242, onWildcard)), [65534]);
    assert.equal(await foreignListeners("http://127.0.0.1:3000", lookup(4242, { "/proc/net/tcp6": TCP6_MAPPED })), undefined);
    assert.deepEqual(await foreignListeners("http://127.0.0.1:3000", lookup(1, { "/proc/net/tcp6": TCP6_MAPPED })), [4242]);
  });

  test("a host name that resolves to nothing: nobody to keep the key from (the request fails anyway)", async () => {
    assert.equal(await foreignListeners("http://localhost:3000", lookup(4242, LINUX, [])), undefined);
  });

  test("no port in the URL is the scheme's", async () => {
    const onPort80 = { "/proc/net/tcp": TCP.replace(/:0BB8 00000000:0000 0A/g, ":0050 00000000:0000 0A") };
    assert.deepEqual(await foreignListeners("http://127.0.0.1", lookup(4242, onPort80)), [1000, 1001]);
    assert.equal(await foreignListeners("https://127.0.0.1", lookup(4242, onPort80)), undefined);
  });

  test("root listens (a daemon in a container, behind Docker's forwarding): the key may go", async () => {
    const byRoot = { "/proc/net/tcp": TCP.replace(/ 1000 /g, "    0 ").replace(/ 1001 /g, "    0 ") };
    assert.equal(await foreignListeners("http://127.0.0.1:3000", lookup(4242, byRoot)), undefined);
  });

  test("nobody listens: nothing to keep the key from (the request fails anyway)", async () => {
    assert.equal(await foreignListeners("http://127.0.0.1:3999", lookup(4242, LINUX)), undefined);
  });

  test("no socket table (not Linux): nothing is checked", async () => {
    assert.equal(await foreignListeners("http://127.0.0.1:3000", lookup(4242, {})), undefined);
  });

  test("no uids (Windows): nothing is read", async () => {
    const windows = lookup(undefined, LINUX);
    assert.equal(await foreignListeners("http://127.0.0.1:3000", windows), undefined);
    assert.deepEqual(windows.reads, []);
  });

  test("a daemon on another machine: this machine's sockets say nothing of it, nothing is read", async () => {
    for (const url of ["http://192.168.1.5:3000", "https://tracker.example:3000", "http://0.0.0.0:3000"]) {
      const remote = lookup(4242, LINUX);
      assert.equal(await foreignListeners(url, remote), undefined, url);
      assert.deepEqual(remote.reads, [], url);
    }
  });

  test("a URL that cannot be parsed: nothing to check (fetch refuses it)", async () => {
    assert.equal(await foreignListeners("127.0.0.1:3000", lookup(4242, LINUX)), undefined);
  });
});

describe("this system's sockets", { skip: existsSync("/proc/net/tcp") ? false : "Linux's /proc/net/tcp only" }, () => {
  test("a listening socket of this process is found with its owner: the key may go", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      assert.deepEqual(await readListeners(port, SYSTEM_LOOKUP.readTable), [{ address: "127.0.0.1", uid: process.getuid?.() }]);
      assert.equal(await foreignListeners(`http://127.0.0.1:${port}`, SYSTEM_LOOKUP), undefined);
      assert.equal(await foreignListeners(`http://localhost:${port}`, SYSTEM_LOOKUP), undefined);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
