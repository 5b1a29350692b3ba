import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { Connection } from "../../src/core/connection";
import type { TodayOutcome } from "../../src/core/todayReport";
import { projectPaths } from "../../src/core/projectPaths";
import { formatClock, formatDuration, renderStatus, STUCK_AFTER_MS, type StatusInput } from "../../src/core/statusText";

const report: TodayOutcome = {
  kind: "ok",
  report: {
    date: "2026-11-25",
    total_seconds: 3 * 3600 + 5 * 60,
    projects: [
      { project_path: "/real/app", project_name: "app", duration_seconds: 3900, folders: ["/real/app"] },
      {
        project_path: "/home/dev/lib",
        project_name: "lib",
        duration_seconds: 1500,
        folders: ["/home/dev/lib", "/home/dev/old-lib"],
      },
    ],
  },
};

const base: StatusInput = {
  isEnabled: true,
  connection: { kind: "online" },
  queued: 0,
  today: report,
  projectPaths: ["/home/dev/lib"],
  serverUrl: "http://127.0.0.1:3000",
};

describe("formatDuration", () => {
  const cases: Array<[number, string]> = [
    [0, "0m"],
    [59, "0m"],
    [60, "1m"],
    [45 * 60 + 30, "45m"],
    [3600, "1h 00m"],
    [3900, "1h 05m"],
    [26 * 3600, "26h 00m"],
    [-5, "0m"],
  ];
  for (const [seconds, expected] of cases) {
    test(`${seconds} s is ${expected}`, () => assert.equal(formatDuration(seconds), expected));
  }
});

describe("renderStatus", () => {
  test("a project path the daemon refuses: said in the status bar, a click shows the log", () => {
    const view = renderStatus({
      ...base,
      project: { kind: "tracked", projectPath: "\\\\server\\share\\app" },
      pathRefusal: "HTTP 422: invalid_field (field project_path): must be an absolute path",
    });
    assert.equal(view.text, "$(watch) OxiTrack: folder refused");
    assert.match(view.tooltip, /refuses this folder's path \(HTTP 422: .*must be an absolute path\), so time spent here is not recorded/);
    assert.equal(view.action, "showLog");
  });

  test("a refused path of a folder now excluded is not shown", () => {
    const view = renderStatus({ ...base, project: { kind: "excluded", projectPath: "/x" }, pathRefusal: "HTTP 422" });
    assert.equal(view.text, "$(watch) OxiTrack: excluded");
  });

  test("today's time for the current project, total in the tooltip", () => {
    const view = renderStatus(base);
    assert.equal(view.text, "$(watch) 25m");
    assert.match(view.tooltip, /25m today in lib/);
    assert.match(view.tooltip, /All projects today: 3h 05m/);
    assert.match(view.tooltip, /dashboard/);
    assert.equal(view.action, "openDashboard");
  });

  test("the project is found under the daemon's canonical path too", () => {
    const view = renderStatus({ ...base, projectPaths: ["/link/app", "/real/app"] });
    assert.equal(view.text, "$(watch) 1h 05m");
  });

  test("a Windows folder with a lower-case drive letter is found before any beat was accepted", () => {
    const windows: TodayOutcome = {
      kind: "ok",
      report: {
        date: "2026-11-25",
        total_seconds: 600,
        projects: [{ project_path: "C:\\code\\app", project_name: "app", duration_seconds: 600, folders: ["C:\\code\\app"] }],
      },
    };
    const view = renderStatus({ ...base, today: windows, projectPaths: projectPaths("c:\\code\\app", undefined, undefined) });
    assert.equal(view.text, "$(watch) 10m");
  });

  test("a project with no time yet today shows 0m", () => {
    assert.equal(renderStatus({ ...base, projectPaths: ["/new"] }).text, "$(watch) 0m");
  });

  describe("https that fails: not 'offline', since something answers; a click opens the setting", () => {
    test("https:// to a daemon that speaks plain http says to write http://", () => {
      const detail = "fetch failed (ERR_SSL_WRONG_VERSION_NUMBER)";
      const connection = { kind: "tls", detail } as unknown as Connection;
      const view = renderStatus({ ...base, connection, queued: 3 });
      assert.equal(view.text, "OxiTrack: https failed (3 queued)");
      assert.match(view.tooltip, /speaks plain http/);
      assert.match(view.tooltip, /write http:\/\/ in oxitrack\.serverUrl/i);
      assert.match(view.tooltip, /ERR_SSL_WRONG_VERSION_NUMBER/);
      assert.doesNotMatch(view.tooltip, /does not answer|Start it/);
      assert.equal(view.action, "openSettings");
    });
    test("a certificate this machine does not trust is named as such", () => {
      const detail = "fetch failed (DEPTH_ZERO_SELF_SIGNED_CERT)";
      const connection = { kind: "tls", detail, certificate: true } as unknown as Connection;
      const view = renderStatus({ ...base, connection, queued: 1 });
      assert.match(view.tooltip, /certificate/);
      assert.doesNotMatch(view.tooltip, /speaks plain http/);
    });
  });

  describe("an http:// address where the server speaks https: say so, and the https:// to write", () => {
    const detail = "fetch failed (UND_ERR_SOCKET); a TLS handshake there succeeds";
    const connection = { kind: "needsHttps", detail } as unknown as Connection;
    test("with a port", () => {
      const view = renderStatus({ ...base, connection, queued: 2, serverUrl: "http://box.lan:8443" });
      assert.equal(view.text, "OxiTrack: server speaks https (2 queued)");
      assert.match(view.tooltip, /The server at http:\/\/box\.lan:8443 speaks https, not plain http/);
      assert.match(view.tooltip, /Use https:\/\/ in oxitrack\.serverUrl \(https:\/\/box\.lan:8443\)/);
      assert.match(view.tooltip, /UND_ERR_SOCKET/);
      assert.doesNotMatch(view.tooltip, /does not answer|Start it/);
      assert.equal(view.action, "openSettings");
    });
    test("without one, port 80 is the one that spoke TLS: written out", () => {
      const view = renderStatus({ ...base, connection, serverUrl: "http://box.lan/oxitrack" });
      assert.match(view.tooltip, /\(https:\/\/box\.lan:80\/oxitrack\)/);
    });
  });

  test("offline shows how many beats are queued", () => {
    const view = renderStatus({ ...base, connection: { kind: "offline", detail: "connect ECONNREFUSED" }, queued: 7 });
    assert.equal(view.text, "OxiTrack: offline (7 queued)");
    assert.match(view.tooltip, /does not answer \(connect ECONNREFUSED\)/);
    assert.match(view.tooltip, /oxitrack serve/);
    assert.match(view.tooltip, /nothing is lost/);
    assert.equal(view.action, "showLog");
  });

  test("a full outbox says newer beats are dropped, not that nothing is lost", () => {
    const connection = { kind: "offline", detail: "connect ECONNREFUSED" } as const;
    const view = renderStatus({ ...base, connection, queued: 200_000, isOutboxFull: true });
    assert.match(view.tooltip, /the outbox is full, so newer beats are dropped/);
    assert.doesNotMatch(view.tooltip, /nothing is lost/);
    const settings = renderStatus({ ...base, settingsProblem: "bad URL", queued: 200_000, isOutboxFull: true });
    assert.doesNotMatch(settings.tooltip, /nothing is lost/);
  });

  test("a missing API key says so and a click runs Set API Key", () => {
    const connection = { kind: "needsApiKey", detail: "HTTP 401: unauthorized: send the key", code: "unauthorized" } as const;
    const view = renderStatus({ ...base, connection, queued: 2 });
    assert.equal(view.text, "OxiTrack: API key needed (2 queued)");
    assert.match(view.tooltip, /"OxiTrack: Set API Key"/);
    assert.equal(view.action, "setApiKey");
  });

  test("a key the daemon refuses is called refused, not needed, and a click runs Set API Key", () => {
    const connection = { kind: "wrongApiKey", detail: "HTTP 401: unauthorized: send the key", code: "unauthorized" } as const;
    const view = renderStatus({ ...base, connection, queued: 2 });
    assert.equal(view.text, "OxiTrack: API key refused (2 queued)");
    assert.match(view.tooltip, /API key set in VS Code does not work/);
    assert.match(view.tooltip, /"OxiTrack: Set API Key"/);
    assert.equal(view.action, "setApiKey");
  });

  test("a database error shows the daemon's message, not today's time", () => {
    const connection = {
      kind: "daemonError",
      detail: "HTTP 503: store_unavailable: database or disk is full",
      code: "store_unavailable",
    } as const;
    const view = renderStatus({ ...base, connection, queued: 1 });
    assert.equal(view.text, "OxiTrack: daemon error (1 queued)");
    assert.match(view.tooltip, /database or disk is full/);
  });

  test("a clock ahead of the daemon's: beats wait until it catches up", () => {
    const connection = {
      kind: "clockAhead",
      detail: "HTTP 422: invalid_field (field timestamp): 1750000700 is more than 600 s in the future; check the clock",
      code: "invalid_field",
    } as const;
    const view = renderStatus({ ...base, connection, queued: 3 });
    assert.equal(view.text, "OxiTrack: clock ahead (3 queued)");
    assert.match(view.tooltip, /this machine's clock is ahead of the daemon's/);
    assert.match(view.tooltip, /once the daemon's clock catches up/);
  });

  test("a daemon with no connection free is busy, not failing to store", () => {
    const connection = {
      kind: "daemonError",
      detail: "HTTP 503: too_many_connections: too many open connections",
      code: "too_many_connections",
    } as const;
    const view = renderStatus({ ...base, connection, queued: 2 });
    assert.equal(view.text, "OxiTrack: daemon busy (2 queued)");
    assert.match(view.tooltip, /is busy .*; retrying/);
    assert.doesNotMatch(view.tooltip, /cannot store|full disk/);
  });

  test("a folder on a share that does not answer: the folder, not the daemon's storage", () => {
    const connection = {
      kind: "daemonError",
      detail: "HTTP 503: folder_not_answering: project_path: /mnt/share/app is on a network or FUSE mount",
      code: "folder_not_answering",
    } as const;
    const view = renderStatus({ ...base, connection, queued: 2 });
    assert.equal(view.text, "OxiTrack: folder not answering (2 queued)");
    assert.match(view.tooltip, /network share or FUSE mount that does not answer/);
    assert.match(view.tooltip, /Beats wait and are sent once the folder answers again/);
    assert.doesNotMatch(view.tooltip, /cannot store|full disk/);
  });

  test("another program on the port: check the server URL or move the daemon", () => {
    const connection = { kind: "notDaemon", detail: "HTTP 404: Cannot POST /beat" } as const;
    const view = renderStatus({ ...base, connection, queued: 4 });
    assert.equal(view.text, "OxiTrack: not the daemon (4 queued)");
    assert.match(view.tooltip, /Something other than the OxiTrack daemon answers at http:\/\/127\.0\.0\.1:3000/);
    assert.match(view.tooltip, /--port 3001/);
    assert.match(view.tooltip, /oxitrack\.serverUrl/);
  });

  test("another account's program on the port: the key is withheld, and the tooltip says why", () => {
    const connection = { kind: "foreignListener", detail: "uid 65534" } as const;
    const view = renderStatus({ ...base, connection, queued: 5 });
    assert.equal(view.text, "OxiTrack: not your daemon (5 queued)");
    assert.match(
      view.tooltip,
      /The program listening at http:\/\/127\.0\.0\.1:3000 belongs to another account \(uid 65534\), not to you: the API key is not sent to it/,
    );
    assert.match(view.tooltip, /5 beat\(s\) wait in the outbox/);
    assert.equal(view.action, "showLog");
  });

  test("a host the daemon does not allow: check the URL and --allow-hosts", () => {
    const connection = {
      kind: "misconfigured",
      detail: "HTTP 403: forbidden_host: Host 'box:3000' is not a loopback name; see --allow-hosts",
      code: "forbidden_host",
    } as const;
    const view = renderStatus({ ...base, connection, queued: 0 });
    assert.equal(view.text, "OxiTrack: refused (0 queued)");
    assert.match(view.tooltip, /oxitrack\.serverUrl/);
    assert.match(view.tooltip, /--allow-hosts/);
  });

  test("online with beats still waiting mentions them in the tooltip", () => {
    assert.match(renderStatus({ ...base, queued: 3 }).tooltip, /3 beat\(s\) waiting/);
  });

  test("a path the daemon has no route for: 'wrong URL', the advice names the setting, a click opens it", () => {
    const connection = {
      kind: "wrongPath",
      detail: "HTTP 404: not_found: no route /something/today; see docs/api.md for the endpoints",
      code: "not_found",
    } as unknown as Connection;
    const view = renderStatus({ ...base, connection, serverUrl: "http://127.0.0.1:3000/something" });
    assert.equal(view.text, "OxiTrack: wrong URL (0 queued)");
    assert.match(view.tooltip, /answers at http:\/\/127\.0\.0\.1:3000\/something, but has nothing at that path/);
    assert.match(view.tooltip, /daemon's address alone in oxitrack\.serverUrl/);
    assert.match(view.tooltip, /no route \/something\/today/);
    assert.doesNotMatch(view.tooltip, /no today report|--allow-hosts/);
    assert.equal(view.action, "openSettings");
  });

  test("another program answering at a URL with a path: the path is named as what may be wrong", () => {
    const connection = { kind: "notDaemon", detail: "HTTP 404: <html>Not Found</html>" } as const;
    const withPath = renderStatus({ ...base, connection, serverUrl: "https://proxy.example/something/" });
    assert.equal(withPath.text, "OxiTrack: not the daemon (0 queued)");
    assert.match(withPath.tooltip, /The path \/something in oxitrack\.serverUrl may be what is wrong/);
    const withoutPath = renderStatus({ ...base, connection, serverUrl: "http://127.0.0.1:3000" });
    assert.doesNotMatch(withoutPath.tooltip, /The path/);
    assert.match(withoutPath.tooltip, /set oxitrack\.serverUrl to match/);
  });

  test("before the first answer", () => {
    assert.equal(renderStatus({ ...base, connection: { kind: "unknown" }, today: undefined }).text, "$(watch) OxiTrack");
  });

  test("a server URL that cannot work is a settings error; a click opens the setting", () => {
    const problem = 'oxitrack.serverUrl "localhost:3000" has no http:// or https:// in front';
    const view = renderStatus({ ...base, queued: 3, settingsProblem: problem });
    assert.equal(view.text, "$(watch) OxiTrack: settings error");
    assert.equal(view.action, "openSettings");
    assert.match(view.tooltip, /has no http:\/\/ or https:\/\/ in front\.\n3 beat\(s\) wait/);
  });

  test("an excluded folder says so instead of 0m", () => {
    const view = renderStatus({ ...base, project: { kind: "excluded", projectPath: "/home/dev/private" } });
    assert.equal(view.text, "$(watch) OxiTrack: excluded");
    assert.match(view.tooltip, /\/home\/dev\/private matches oxitrack\.excludePatterns/);
    assert.match(view.tooltip, /All projects today: 3h 05m/);
  });

  test("a window with nothing open shows no project time", () => {
    const view = renderStatus({ ...base, projectPaths: [], project: { kind: "none" } });
    assert.equal(view.text, "$(watch) OxiTrack");
    assert.match(view.tooltip, /no folder or file open/);
  });

  test("a window on an older folder of a merged project shows the project's time", () => {
    assert.equal(renderStatus({ ...base, projectPaths: ["/home/dev/old-lib"] }).text, "$(watch) 25m");
  });

  test("a tracked project shows its time", () => {
    const view = renderStatus({ ...base, project: { kind: "tracked", projectPath: "/home/dev/lib" } });
    assert.equal(view.text, "$(watch) 25m");
  });

  test("switched off", () => {
    const offline = { kind: "offline", detail: "x" } as const;
    assert.equal(renderStatus({ ...base, isEnabled: false, connection: offline }).text, "$(watch) OxiTrack: off");
  });

  test("switched off: a click opens the setting that turns it on again", () => {
    const view = renderStatus({ ...base, isEnabled: false });
    assert.equal(view.action, "openEnabledSetting");
    assert.match(view.tooltip, /Click to open the setting to turn it on\./);
  });

  describe("a daemon slow to answer", () => {
    const slow = { kind: "slow", detail: "no answer within 5000 ms" } as const;
    const sinceMs = new Date(2026, 10, 26, 9, 5).getTime();
    const asOfMs = new Date(2026, 10, 26, 9, 4).getTime();

    test("keeps showing the last known time, marked, with since when; never 'offline'", () => {
      const view = renderStatus({ ...base, connection: slow, connectionSinceMs: sinceMs, todayAtMs: asOfMs, queued: 2 });
      assert.equal(view.text, "$(watch) 25m (daemon slow)");
      assert.doesNotMatch(view.text + view.tooltip, /offline|does not answer/);
      assert.match(view.tooltip, /^Slow to answer since 09:05\. The OxiTrack daemon at http:\/\/127\.0\.0\.1:3000 is running but slow to answer \(no answer within 5000 ms\)/);
      assert.match(view.tooltip, /25m is today's time for this project as of 09:04, as last reported\./);
      assert.match(view.tooltip, /2 beat\(s\) wait in the outbox and are sent once it answers; nothing is lost\./);
      assert.equal(view.action, "showLog");
    });

    test("with no report yet: says slow, with the queue", () => {
      const view = renderStatus({ ...base, today: undefined, connection: slow, connectionSinceMs: sinceMs, queued: 3 });
      assert.equal(view.text, "$(watch) OxiTrack: daemon slow (3 queued)");
      assert.match(view.tooltip, /^Slow to answer since 09:05\./);
    });

    test("nothing queued: no word of the outbox", () => {
      const view = renderStatus({ ...base, connection: slow, connectionSinceMs: sinceMs, todayAtMs: asOfMs });
      assert.doesNotMatch(view.tooltip, /outbox/);
      assert.match(view.tooltip, /as last reported\.\nClick to show the OxiTrack log\.$/);
    });

    test("answering nothing for ten minutes: not answering, with what to do; no stale time", () => {
      const nowMs = sinceMs + STUCK_AFTER_MS;
      const view = renderStatus({ ...base, connection: slow, connectionSinceMs: sinceMs, todayAtMs: asOfMs, queued: 4, nowMs });
      assert.equal(view.text, "$(warning) OxiTrack: daemon not answering (4 queued)");
      assert.match(view.tooltip, /^The OxiTrack daemon at http:\/\/127\.0\.0\.1:3000 accepts connections but has answered nothing since 09:05 \(no answer within 5000 ms\): it may be stuck\. Restart it/);
      assert.match(view.tooltip, /systemctl --user restart oxitrack/);
      assert.match(view.tooltip, /4 beat\(s\) wait in the outbox and are sent once it answers; nothing is lost\./);
      assert.doesNotMatch(view.text + view.tooltip, /25m/);
      assert.equal(view.action, "showLog");
    });

    test("a minute short of that, still only slow", () => {
      const nowMs = sinceMs + STUCK_AFTER_MS - 60_000;
      const view = renderStatus({ ...base, connection: slow, connectionSinceMs: sinceMs, todayAtMs: asOfMs, nowMs });
      assert.equal(view.text, "$(watch) 25m (daemon slow)");
    });

    test("nothing listening is still 'offline'", () => {
      const view = renderStatus({ ...base, connection: { kind: "offline", detail: "connect ECONNREFUSED" }, queued: 1 });
      assert.equal(view.text, "OxiTrack: offline (1 queued)");
    });
  });

  test("formatClock: the clock of the zone the machine is in now, not the one the editor started in", () => {
    assert.equal(formatClock(Date.UTC(2026, 10, 25, 0, 5), "Asia/Tokyo"), "09:05");
    assert.equal(formatClock(Date.UTC(2026, 10, 25, 0, 5), "America/Los_Angeles"), "16:05");
    assert.equal(formatClock(Date.UTC(2026, 10, 25, 15, 0), "Asia/Tokyo"), "00:00");
  });

  test("formatClock: hours and minutes of this machine's clock", () => {
    assert.equal(formatClock(new Date(2026, 0, 2, 7, 3).getTime()), "07:03");
    assert.equal(formatClock(new Date(2026, 0, 2, 23, 59).getTime()), "23:59");
  });

  describe("settings of the wrong type", () => {
    const problem = 'oxitrack.enabled must be true or false (without quotes), not "false" (text); using the default, true until it is fixed';

    test("every window's status bar marks it and says what is wrong, whatever else it shows", () => {
      const states: StatusInput[] = [
        base,
        { ...base, connection: { kind: "offline", detail: "connect ECONNREFUSED" }, queued: 2 },
        { ...base, connection: { kind: "slow", detail: "no answer within 5000 ms" } },
        { ...base, settingsProblem: 'oxitrack.serverUrl "localhost:3000" has no http:// or https:// in front' },
      ];
      for (const state of states) {
        const plain = renderStatus(state);
        const view = renderStatus({ ...state, settingProblems: [problem] });
        assert.equal(view.text, `${plain.text} $(warning)`);
        assert.equal(view.tooltip, `Settings error: ${problem}.\n${plain.tooltip}`);
        assert.equal(view.action, plain.action);
      }
    });

    test("none: nothing added", () => {
      assert.deepEqual(renderStatus({ ...base, settingProblems: [] }), renderStatus(base));
    });
  });
});
