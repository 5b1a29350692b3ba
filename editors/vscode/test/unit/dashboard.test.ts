import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import type { Connection } from "../../src/core/connection";
import { DaemonClient } from "../../src/core/daemonClient";
import { type DashboardUi, OPEN_DASHBOARD_COMMAND, OPEN_SETTINGS, openDashboard } from "../../src/core/dashboard";
import type { ListenerLookup } from "../../src/core/listeners";

/** The editor's side of the command, recorded; the "browser" really asks the server for the page. */
class RecordingUi implements DashboardUi {
  readonly calls: string[] = [];
  /** What the "browser" got for each URL opened: the status and the start of the body. */
  readonly pages: string[] = [];

  constructor(private readonly button: string | undefined = undefined) {}

  async openExternal(url: string): Promise<boolean> {
    this.calls.push(`openExternal ${url}`);
    const response = await fetch(url, { redirect: "manual" });
    this.pages.push(`${response.status} ${(await response.text()).slice(0, 40)}`);
    return true;
  }

  async showError(message: string, ...buttons: string[]): Promise<string | undefined> {
    this.calls.push(`showError ${message} [${buttons.join("|")}]`);
    return this.button;
  }

  async openSetting(key: string): Promise<void> {
    this.calls.push(`openSetting ${key}`);
  }
}

/** A stand-in for the daemon's dashboard route: `/` (or under a proxy's prefix) is the page; `/today` reports. */
let server: http.Server;
let baseUrl: string;
const requested: string[] = [];

before(async () => {
  server = http.createServer((request, response) => {
    requested.push(`${request.method ?? ""} ${request.url ?? ""}`);
    const isPage = request.url === "/" || request.url === "/oxitrack/";
    if (request.url?.startsWith("/today?") === true) {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end('{"date":"2026-01-01","total_seconds":0,"projects":[]}');
      return;
    }
    response.writeHead(isPage ? 200 : 404, { "Content-Type": isPage ? "text/html" : "application/json" });
    response.end(isPage ? "<!doctype html><title>OxiTrack</title>" : '{"error":"not_found","message":"no route"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("OxiTrack: Open Dashboard", () => {
  test("opens <serverUrl>/ in the browser, which gets the dashboard's page", async () => {
    requested.length = 0;
    const ui = new RecordingUi();
    await openDashboard(baseUrl, ui);
    assert.deepEqual(ui.calls, [`openExternal ${baseUrl}/`]);
    assert.deepEqual(requested, ["GET /"]);
    assert.match(ui.pages[0] ?? "", /^200 <!doctype html><title>OxiTrack/);
  });

  test("a URL with spaces around and slashes after, or a proxy's prefix, opens one page", async () => {
    requested.length = 0;
    const ui = new RecordingUi();
    await openDashboard(`  ${baseUrl}//  `, ui);
    await openDashboard(`${baseUrl}/oxitrack/`, ui);
    assert.deepEqual(ui.calls, [`openExternal ${baseUrl}/`, `openExternal ${baseUrl}/oxitrack/`]);
    assert.deepEqual(requested, ["GET /", "GET /oxitrack/"]);
  });

  test("a daemon on another machine's page is asked for this machine's days; one on loopback as it is", async () => {
    const opened: string[] = [];
    const ui: DashboardUi = {
      openExternal: async (url) => opened.push(url),
      showError: async () => undefined,
      openSetting: async () => undefined,
    };
    await openDashboard("http://desktop.lan:3000", ui, { kind: "online" }, "Asia/Tokyo");
    await openDashboard("https://oxitrack.example/tracker/", ui, { kind: "unknown" }, "America/Los_Angeles");
    await openDashboard("http://localhost:3000", ui, { kind: "online" }, "Asia/Tokyo");
    await openDashboard("http://127.0.0.1:3000", ui, { kind: "online" }, "Asia/Tokyo");
    await openDashboard("http://[::1]:3000", ui, { kind: "online" }, "Asia/Tokyo");
    assert.deepEqual(opened, [
      "http://desktop.lan:3000/?tz=Asia%2FTokyo",
      "https://oxitrack.example/tracker/?tz=America%2FLos_Angeles",
      "http://localhost:3000/",
      "http://127.0.0.1:3000/",
      "http://[::1]:3000/",
    ]);
  });

  const unusable: Array<[string, string, RegExp]> = [
    ["no scheme", "localhost:3000", /has no http:\/\/ or https:\/\/ in front; write http:\/\/localhost:3000/],
    ["a user:password@", "http://me:hunter2@127.0.0.1:3000", /must not hold a user name or password/],
    ["a route of the daemon's as its path", "http://127.0.0.1:3000/api/v1", /ends in \/api\/v1/],
    ["another scheme", "ftp://127.0.0.1:3000", /must start with http:\/\/ or https:\/\//],
  ];
  for (const [name, serverUrl, said] of unusable) {
    test(`a server URL that cannot work (${name}): nothing opened, the problem said with a button to the setting`, async () => {
      const ui = new RecordingUi(OPEN_SETTINGS);
      await openDashboard(serverUrl, ui);
      assert.equal(ui.calls.length, 2, ui.calls.join("\n"));
      assert.match(ui.calls[0] ?? "", /^showError OxiTrack: no dashboard to open: oxitrack\.serverUrl/);
      assert.match(ui.calls[0] ?? "", said);
      assert.match(ui.calls[0] ?? "", /\[Open Settings\]$/);
      assert.doesNotMatch(ui.calls[0] ?? "", /hunter2/);
      assert.equal(ui.calls[1], "openSetting oxitrack.serverUrl");
    });
  }

  /** What the daemon's answer to `GET <serverUrl>/today` makes of the connection, as the status bar reads it. */
  async function connectionAt(serverUrl: string): Promise<Connection> {
    const today = await new DaemonClient({ serverUrl, timeoutMs: 5000 }).getToday();
    return today.kind === "unavailable" ? today.problem : { kind: "online" };
  }

  test("a URL the status bar calls wrong URL (no route at its path): nothing opened, the same explanation said", async () => {
    const serverUrl = `${baseUrl}/tracker`;
    const connection = await connectionAt(serverUrl);
    assert.equal(connection.kind, "wrongPath");
    requested.length = 0;
    const ui = new RecordingUi(OPEN_SETTINGS);
    await openDashboard(serverUrl, ui, connection);
    assert.equal(ui.calls.length, 2, ui.calls.join("\n"));
    assert.match(ui.calls[0] ?? "", /^showError OxiTrack: no dashboard to open: The OxiTrack daemon answers at /);
    assert.match(ui.calls[0] ?? "", /has nothing at that path \(HTTP 404: not_found/);
    assert.match(ui.calls[0] ?? "", /\[Open Settings\]$/);
    assert.equal(ui.calls[1], "openSetting oxitrack.serverUrl");
    assert.deepEqual(requested, [], "the browser was handed a page that is a 404");
  });

  test("another account's program on the port (not your daemon): nothing opened, its page could ask for the key", async () => {
    const port = Number(new URL(baseUrl).port).toString(16).toUpperCase().padStart(4, "0");
    const foreign: ListenerLookup = {
      uid: process.getuid?.() ?? 1000,
      readTable: async (table) => {
        if (table !== "/proc/net/tcp") {
          throw new Error("ENOENT");
        }
        return (
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
          `   0: 0100007F:${port} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 65534 0 77 1\n`
        );
      },
    };
    const today = await new DaemonClient({ serverUrl: baseUrl, apiKey: "s3cret", timeoutMs: 5000, listeners: foreign }).getToday();
    assert.equal(today.kind, "unavailable");
    const connection = today.kind === "unavailable" ? today.problem : { kind: "online" as const };
    assert.equal(connection.kind, "foreignListener");
    requested.length = 0;
    const ui = new RecordingUi(undefined);
    await openDashboard(baseUrl, ui, connection);
    assert.equal(ui.calls.length, 1, ui.calls.join("\n"));
    assert.match(ui.calls[0] ?? "", /^showError OxiTrack: no dashboard to open: The program listening at .* belongs to another account/);
    assert.deepEqual(requested, []);
  });

  test("a daemon offline, or not asked yet: the page is opened, as it says itself what is wrong", async () => {
    const offline: Connection = { kind: "offline", detail: "ECONNREFUSED" };
    const ui = new RecordingUi();
    await openDashboard(baseUrl, ui, offline);
    const online = await connectionAt(baseUrl);
    assert.equal(online.kind, "online");
    await openDashboard(baseUrl, ui, online);
    await openDashboard(baseUrl, ui);
    assert.deepEqual(ui.calls, [`openExternal ${baseUrl}/`, `openExternal ${baseUrl}/`, `openExternal ${baseUrl}/`]);
  });

  test("the error dismissed: the setting is not opened", async () => {
    const ui = new RecordingUi(undefined);
    await openDashboard("localhost:3000", ui);
    assert.equal(ui.calls.length, 1);
    assert.match(ui.calls[0] ?? "", /^showError /);
  });

  test("the command's id is the one package.json contributes to the palette", () => {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
      contributes: { commands: Array<{ command: string; title: string }> };
    };
    const contributed = manifest.contributes.commands.find((command) => command.command === OPEN_DASHBOARD_COMMAND);
    assert.equal(contributed?.title, "Open Dashboard");
  });
});
