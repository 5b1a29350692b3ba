/**
 * End to end in a real VS Code (code-server + Chromium) against a real daemon: the seed's
 * validation steps 2 and 4, automated.
 *   1. open a folder, type in a file for a while: one session for that folder, of that length,
 *      counted for this computer's host name and Linux;
 *   2. stop typing: the session stops growing (keep-alive ends after the active window);
 *   3. stop the daemon, type, start it again: nothing lost, the session as if it was never down;
 * and which VS Code events count: a file changing on disk is not work; a new window shows its
 * folder's time before any activity; a file outside the folder counts for the folder; typing in a
 * Jupyter notebook's cell counts for the notebook's folder, as Python time in `code-server`; time
 * in a debug session (a Node.js program run by VS Code's own JavaScript debugger) is `debugging`,
 * and during a build task `building`, and coding again once either ends.
 * The extension runs with OXITRACK_TIME_SCALE=0.1 (30 s throttle -> 3 s, 2 min window -> 12 s),
 * so minutes of behaviour play in seconds; the daemon's 900 s session gap is not scaled.
 */

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";

import type { Browser, Page } from "playwright-core";

import { DaemonClient } from "../../src/core/daemonClient";
import { QUEUE_FILE } from "../../src/core/outbox";
import { formatDuration } from "../../src/core/statusText";
import { timingFromEnv } from "../../src/core/timing";
import { CodeServer, launchChromium, requiredEnv, STATUS_ITEM, statusText } from "../support/codeServer";
import { type BreakdownRow, Daemon, eventually, type SessionRow } from "../support/daemon";

const TIME_SCALE = "0.1";
const { timing } = timingFromEnv({ OXITRACK_TIME_SCALE: TIME_SCALE });
const TYPING_MS = 30_000; // 5 minutes of the real extension's behaviour
const OFFLINE_TYPING_MS = 20_000;
/** Slack for the extension host, the browser and the daemon on a busy 2-core machine. */
const SLACK_MS = 3_000;

let root: string;
let project: string;
/** A folder outside the project, like ~/.cargo/registry or site-packages. */
let library: string;
/** A second project holding a Jupyter notebook. */
let notebooks: string;
/** A third project: a Node.js program and the launch configuration that debugs it. */
let debugged: string;
/** A window on the project opened with a library file in front (shared by two tests). */
let libraryWindow: Page | undefined;
const libraryFile = () => path.join(library, "lib.txt");
let daemon: Daemon;
let codeServer: CodeServer;
let browser: Browser | undefined;
let page: Page;
const artifacts = process.env["OXITRACK_ARTIFACTS"] ?? path.resolve("test-artifacts", "e2e");

const seconds = (ms: number) => Math.floor(ms / 1000);

/** A one-cell Jupyter notebook; VS Code's built-in ipynb support opens it, no kernel needed. */
const NOTEBOOK = {
  cells: [{ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: ["total = 1\n"] }],
  metadata: { language_info: { name: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
};

/** Runs app.js under VS Code's built-in JavaScript debugger (js-debug), on the `node` of PATH. */
const LAUNCH = {
  version: "0.2.0",
  configurations: [
    { type: "node", request: "launch", name: "app", program: "${workspaceFolder}/app.js", console: "internalConsole" },
  ],
};

/** The default build task: marks its start and end with files, builds for 6 s. */
const TASKS = {
  version: "2.0.0",
  tasks: [
    {
      label: "build",
      type: "shell",
      command: "rm -f built && touch building && sleep 6 && touch built",
      group: { kind: "build", isDefault: true },
    },
  ],
};

async function projectSessions(): Promise<SessionRow[]> {
  return (await daemon.sessions()).filter((row) => row.project_path === project);
}

/** Today's time for the project as the status bar formats it, from the daemon's own report. */
async function projectTimeToday(): Promise<string | undefined> {
  const today = await new DaemonClient({ serverUrl: daemon.url, timeoutMs: 5_000 }).getToday();
  const entry = today.kind === "ok" ? today.report.projects.find((p) => p.project_path === project) : undefined;
  return entry === undefined ? undefined : formatDuration(entry.duration_seconds);
}

/** A new code-server window (its own extension host) on `folder`, once the extension shows. */
async function openWindow(folder: string, openFile?: string): Promise<Page> {
  const window = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
  // The workbench opens `openFile` at start-up, before the extension activates (as VS Code
  // restores editors); code-server serves files under its own address as remote authority.
  const payload =
    openFile === undefined
      ? ""
      : `&payload=${encodeURIComponent(JSON.stringify([["openFile", `vscode-remote://${new URL(codeServer.url).host}${openFile}`]]))}`;
  await window.goto(`${codeServer.url}/?folder=${encodeURIComponent(folder)}${payload}`);
  await window.waitForSelector(STATUS_ITEM, { timeout: 120_000 });
  return window;
}

/**
 * Lets wall-clock time pass. Only for asserting that something does NOT happen within a window
 * (a session that must stop growing); never to wait for a state, which is polled with a deadline.
 */
function letTimePass(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Types one character every 250 ms for `ms`; returns when the first and last keys were sent. */
async function typeIn(target: Page, ms: number): Promise<{ firstMs: number; lastMs: number }> {
  const firstMs = Date.now();
  let lastMs = firstMs;
  let typed = 0;
  while (Date.now() - firstMs < ms) {
    await target.keyboard.type(++typed % 60 === 0 ? "\n" : "x");
    lastMs = Date.now();
    await target.waitForTimeout(250); // typing cadence, not a wait for state
  }
  return { firstMs, lastMs };
}

/** Opens a file of the folder from the explorer and puts the keyboard focus in its editor. */
async function openInEditor(target: Page, name: string): Promise<void> {
  await target.locator(".explorer-folders-view .monaco-list-row", { hasText: name }).click();
  await target.locator(".editor-instance .monaco-editor .view-lines").click();
}

async function editorText(target: Page): Promise<string> {
  return (await target.locator(".editor-instance .monaco-editor .view-lines").textContent()) ?? "";
}

function typeFor(ms: number): Promise<{ firstMs: number; lastMs: number }> {
  return typeIn(page, ms);
}

async function queuedInOutbox(): Promise<number> {
  const file = path.join(codeServer.userDataDir, "User", "globalStorage", "oxitrack.oxitrack", QUEUE_FILE);
  const text = await fs.readFile(file, "utf8").catch(() => "");
  return text.split("\n").filter((line) => line.trim() !== "").length;
}

async function describeState(): Promise<string> {
  return (
    `sessions: ${JSON.stringify(await daemon.sessions().catch((e: unknown) => String(e)))}; ` +
    `status: ${JSON.stringify(await statusText(page).catch(() => "?"))}; outbox: ${await queuedInOutbox()}`
  );
}

describe("in a real VS Code (code-server)", { timeout: 15 * 60_000 }, () => {
  let openedMs = 0;
  let phase1: SessionRow | undefined;
  let typing: { firstMs: number; lastMs: number } = { firstMs: 0, lastMs: 0 };

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-e2e-"));
    project = await fs.realpath(await fs.mkdtemp(path.join(root, "project-")));
    await fs.writeFile(path.join(project, "main.txt"), "hello\n");
    await fs.writeFile(path.join(project, "other.txt"), "hello again\n");
    await fs.writeFile(path.join(project, "build.log"), "build-started\n");
    library = await fs.realpath(await fs.mkdtemp(path.join(root, "library-")));
    await fs.writeFile(path.join(library, "lib.txt"), "library-code\n");
    notebooks = await fs.realpath(await fs.mkdtemp(path.join(root, "notebooks-")));
    await fs.writeFile(path.join(notebooks, "analysis.ipynb"), JSON.stringify(NOTEBOOK));
    debugged = await fs.realpath(await fs.mkdtemp(path.join(root, "debugged-")));
    await fs.writeFile(path.join(debugged, "app.js"), "setInterval(() => {}, 1000); // runs until stopped\n");
    await fs.mkdir(path.join(debugged, ".vscode"));
    await fs.writeFile(path.join(debugged, ".vscode", "launch.json"), JSON.stringify(LAUNCH));
    await fs.writeFile(path.join(debugged, ".vscode", "tasks.json"), JSON.stringify(TASKS));
    daemon = new Daemon(path.join(root, "oxitrack.db"), ["--verbose"]);
    await daemon.start();
    codeServer = new CodeServer({
      root: path.join(root, "code-server"),
      env: { OXITRACK_TIME_SCALE: TIME_SCALE },
      settings: {
        "oxitrack.serverUrl": daemon.url,
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "security.workspace.trust.enabled": false,
        "telemetry.telemetryLevel": "off",
        "extensions.autoUpdate": false,
        "extensions.autoCheckUpdates": false,
        "update.mode": "none",
        "chat.disableAIFeatures": true,
        "editor.quickSuggestions": { other: false, comments: false, strings: false },
        "editor.suggestOnTriggerCharacters": false,
        "editor.wordBasedSuggestions": "off",
        "files.autoSave": "off",
        "git.enabled": false,
      },
    });
    await codeServer.prepare(requiredEnv("OXITRACK_VSIX"));
    const url = await codeServer.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/?folder=${encodeURIComponent(project)}`);
    // The extension activates on startup finished and shows its status bar item.
    await page.waitForSelector(STATUS_ITEM, { timeout: 120_000 });
  });

  after(async () => {
    // Leave evidence for a failed run, then end everything this test started.
    // (before() may have failed part way: each of these may be unset.)
    const started = { daemon: daemon as Daemon | undefined, codeServer: codeServer as CodeServer | undefined };
    await fs.mkdir(artifacts, { recursive: true });
    if (browser !== undefined) {
      await (page as Page | undefined)?.screenshot({ path: path.join(artifacts, "final.png") }).catch(() => undefined);
      await browser.close();
    }
    if (started.codeServer !== undefined) {
      await fs.writeFile(path.join(artifacts, "extension.log"), await codeServer.extensionLog().catch(() => ""));
      await codeServer.stop();
      await fs.writeFile(path.join(artifacts, "code-server.log"), codeServer.log);
    }
    if (started.daemon !== undefined) {
      await fs.writeFile(path.join(artifacts, "daemon.log"), daemon.log);
      await daemon.stop();
    }
    await fs.rm(root, { recursive: true, force: true });
  });

  test("typing in a file of the folder makes one session of that length", async () => {
    openedMs = Date.now();
    await page.locator(".explorer-folders-view .monaco-list-row", { hasText: "main.txt" }).click();
    const editor = page.locator(".editor-instance .monaco-editor .view-lines");
    await editor.waitFor({ timeout: 60_000 });
    await editor.click();
    typing = await typeFor(TYPING_MS);

    const rows = await eventually(
      "a session reaching the last key",
      async () => {
        const found = await projectSessions();
        return found.some((row) => row.last_heartbeat >= seconds(typing.lastMs) - 1) ? found : undefined;
      },
      timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
      describeState,
    );
    assert.equal(rows.length, 1, JSON.stringify(rows));
    phase1 = rows[0] as SessionRow;
    assert.ok(phase1.start_time >= seconds(openedMs) - 1, `started ${phase1.start_time}, opened ${seconds(openedMs)}`);
    assert.ok(phase1.start_time <= seconds(typing.firstMs) + 1, `started ${phase1.start_time}, typed ${seconds(typing.firstMs)}`);
    const duration = phase1.last_heartbeat - phase1.start_time;
    assert.ok(duration >= seconds(TYPING_MS) - 2, `duration ${duration} s for ${TYPING_MS} ms of typing`);
    // The beats name this computer and its system (code-server's extension host runs here, on
    // Linux), as WakaTime's tools do, so the typed time is this machine's.
    for (const [by, name] of [["machine", os.hostname()], ["operating_system", "Linux"]] as const) {
      const shares = await daemon.breakdown(by, project);
      assert.deepEqual(shares.map((row) => row.name), [name], `by ${by}: ${JSON.stringify(shares)}`);
      const time = (shares[0] as BreakdownRow).duration_seconds;
      assert.ok(time >= seconds(TYPING_MS) - 2, `${time} s for ${name}, ${TYPING_MS} ms of typing`);
    }
    assert.deepEqual(
      (await daemon.sessions()).filter((row) => row.project_path !== project),
      [],
      "nothing but the folder was tracked (no settings or state files)",
    );
  });

  test("after typing stops, the session stops growing", async () => {
    // Keep-alive may extend the session for the active window after the last key; after that
    // (plus a tick and slack) nothing more may arrive.
    const quietFromMs = typing.lastMs + timing.activeWindowMs + timing.tickMs + SLACK_MS;
    await letTimePass(quietFromMs - Date.now());
    const settled = await projectSessions();
    await letTimePass(2 * timing.keepaliveMs + timing.throttleMs);
    assert.deepEqual(await projectSessions(), settled, "an idle window adds nothing");
    assert.equal(settled.length, 1);
    const end = (settled[0] as SessionRow).last_heartbeat;
    assert.ok(
      end <= seconds(typing.lastMs + timing.activeWindowMs + SLACK_MS),
      `ended ${end}, ${end - seconds(typing.lastMs)} s after the last key`,
    );
  });

  test("a shown file that changes on disk (a log being appended) adds no time", async () => {
    // (The editor shows spaces as non-breaking ones: the texts looked for have none.)
    const shows = async (text: string) => ((await editorText(page)).includes(text) ? true : undefined);
    try {
      await openInEditor(page, "build.log");
      await page.keyboard.press("Control+End"); // following the log: appends land at the cursor
      await eventually("build.log in the editor", () => shows("build-started"), 30_000);
      const openedMs = Date.now(); // opening the file was activity: let its active window run out
      await letTimePass(openedMs + timing.activeWindowMs + timing.tickMs + SLACK_MS - Date.now());
      const settled = await projectSessions();
      const appendUntilMs = Date.now() + timing.throttleMs + 2 * timing.keepaliveMs;
      let line = 0;
      while (Date.now() < appendUntilMs) {
        await fs.appendFile(path.join(project, "build.log"), `step-${++line}\n`);
        await letTimePass(500); // the log's pace, not a wait for state
      }
      // VS Code did reload the file: the test does not pass for want of change events.
      await eventually("the appended lines in the editor", () => shows(`step-${line}`), 30_000);
      await letTimePass(timing.throttleMs + timing.tickMs + SLACK_MS);
      assert.deepEqual(await projectSessions(), settled, "a reload from disk is not work");
    } finally {
      await openInEditor(page, "main.txt"); // where the next test types
    }
  });

  test("daemon stopped while typing, started again: nothing lost, session as if never down", async () => {
    await daemon.stop();
    const offline = await typeFor(OFFLINE_TYPING_MS);
    const shown = await eventually(
      "the status bar to show the queued beats",
      async () => {
        const text = await statusText(page);
        const match = /^OxiTrack: offline \((\d+) queued\)$/.exec(text);
        return match !== null && Number(match[1]) > 0 ? Number(match[1]) : undefined;
      },
      timing.statusEveryMs + 2 * SLACK_MS,
      describeState,
    );
    assert.ok(shown >= 1);
    // Let the active window run out, so every beat after the restart must come from the outbox.
    await letTimePass(offline.lastMs + timing.activeWindowMs + timing.tickMs + SLACK_MS - Date.now());
    const queued = await queuedInOutbox();
    const expectedBeats = Math.floor(OFFLINE_TYPING_MS / timing.throttleMs);
    assert.ok(queued >= expectedBeats, `${queued} beats queued for ${OFFLINE_TYPING_MS} ms of typing`);
    await daemon.start();
    const rows = await eventually(
      "the replayed beats to reach the session",
      async () => {
        const found = await projectSessions();
        return found.some((row) => row.last_heartbeat >= seconds(offline.lastMs) - 1) ? found : undefined;
      },
      timing.replayEveryMs + 4 * SLACK_MS,
      describeState,
    );
    assert.equal(rows.length, 1, `one session, as if the daemon was never down: ${JSON.stringify(rows)}`);
    const session = rows[0] as SessionRow;
    assert.equal(session.start_time, phase1?.start_time);
    assert.ok(
      session.last_heartbeat <= seconds(offline.lastMs + timing.activeWindowMs + SLACK_MS),
      `ended ${session.last_heartbeat}, last key ${seconds(offline.lastMs)}`,
    );
    await eventually("the outbox to be empty", async () => ((await queuedInOutbox()) === 0 ? true : undefined), 10_000, describeState);
    const replayed = daemon.log.split("\n").filter((line) => line.includes(`beat ${project} at`));
    assert.ok(replayed.length >= queued, `daemon logged ${replayed.length} beats after restart, ${queued} were queued`);
    await eventually(
      "the status bar to leave the offline state",
      async () => ((await statusText(page)).startsWith("OxiTrack: offline") ? undefined : true),
      timing.statusEveryMs + 2 * SLACK_MS,
      describeState,
    );
  });

  test("two windows on the same folder do not double count", async () => {
    const before = await projectSessions();
    assert.equal(before.length, 1);
    const second = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await second.goto(`${codeServer.url}/?folder=${encodeURIComponent(project)}`);
      await second.waitForSelector(STATUS_ITEM, { timeout: 120_000 });
      await second.locator(".explorer-folders-view .monaco-list-row", { hasText: "other.txt" }).click();
      const editor = second.locator(".editor-instance .monaco-editor .view-lines");
      await editor.waitFor({ timeout: 60_000 });
      // Both windows type, taking turns, for 20 s: two extension hosts beating one project.
      const windows = [page, second];
      const firstMs = Date.now();
      let lastMs = firstMs;
      for (let turn = 0; turn < 4; turn++) {
        const current = windows[turn % 2] as Page;
        await current.bringToFront();
        await current.locator(".editor-instance .monaco-editor .view-lines").click();
        const typed = await typeIn(current, 5_000);
        lastMs = typed.lastMs;
      }
      const rows = await eventually(
        "beats of both windows to reach the session",
        async () => {
          const found = await projectSessions();
          return found.some((row) => row.last_heartbeat >= seconds(lastMs) - 1) ? found : undefined;
        },
        timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
        describeState,
      );
      assert.equal(rows.length, 1, `one session for both windows: ${JSON.stringify(rows)}`);
      await eventually(
        "both extension hosts to log that they track the folder",
        async () => {
          const logs = (await codeServer.extensionLog()).split("== ").filter((log) => log.includes(`tracking ${project}`));
          return logs.length >= 2 ? true : undefined;
        },
        10_000,
        () => codeServer.extensionLog(),
      );
      const session = rows[0] as SessionRow;
      assert.equal(session.start_time, (before[0] as SessionRow).start_time);
      // The session ends where the typing ended (plus at most one active window of keep-alive),
      // not at twice the typing time.
      assert.ok(
        session.last_heartbeat <= seconds(lastMs + timing.activeWindowMs + SLACK_MS),
        `ended ${session.last_heartbeat}, typing ${seconds(firstMs)}..${seconds(lastMs)}`,
      );
    } finally {
      await second.close();
      await page.bringToFront();
    }
  });

  test("the status bar shows today's time for the project", async () => {
    // The daemon under test is this repository's, which has GET /today: a 404 here is a
    // regression to fail on, not a reason to skip.
    const today = await new DaemonClient({ serverUrl: daemon.url, timeoutMs: 5_000 }).getToday();
    assert.equal(today.kind, "ok", JSON.stringify(today));
    const entry = today.kind === "ok" ? today.report.projects.find((p) => p.project_path === project) : undefined;
    assert.ok(entry !== undefined, JSON.stringify(today));
    const expected = formatDuration(entry.duration_seconds);
    await eventually(
      `the status bar to show ${expected}`,
      async () => ((await statusText(page)) === expected ? true : undefined),
      timing.statusEveryMs + 2 * SLACK_MS,
      describeState,
    );
  });

  test("a new window shows its folder's time before any activity", async () => {
    // On the project, with a file of a library outside it in front, and nothing done yet.
    libraryWindow = await openWindow(project, libraryFile());
    const window = libraryWindow;
    const shown = await eventually(
      "the new window's status bar to show the project's time",
      async () => {
        const [text, time] = [await statusText(window), await projectTimeToday()];
        return time !== undefined && text === time ? text : undefined;
      },
      timing.statusEveryMs + 2 * SLACK_MS,
      async () => `status ${JSON.stringify(await statusText(window))}, project ${await projectTimeToday()}`,
    );
    assert.notEqual(shown, "0m");
  });

  test("typing in a file outside the folder (a library) counts for the folder", async () => {
    const window = libraryWindow ?? (await openWindow(project, libraryFile()));
    try {
      await eventually("lib.txt in the editor", async () => ((await editorText(window)).includes("library-code") ? true : undefined), 60_000);
      await window.locator(".editor-instance .monaco-editor .view-lines").click();
      const typed = await typeIn(window, 5_000);
      await eventually(
        "the library typing to reach the project's session",
        async () => ((await projectSessions()).some((row) => row.last_heartbeat >= seconds(typed.lastMs) - 1) ? true : undefined),
        timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
        describeState,
      );
      assert.deepEqual(
        (await daemon.sessions()).filter((row) => row.project_path.startsWith(library)),
        [],
        "the library folder is no project of its own",
      );
      assert.equal((await projectSessions()).length, 1, "and no second session for the project");
    } finally {
      await window.close();
      libraryWindow = undefined;
      await page.bringToFront();
    }
  });

  test("typing in a Jupyter notebook's cell counts for the notebook's folder", async () => {
    const window = await openWindow(notebooks);
    try {
      await window.locator(".explorer-folders-view .monaco-list-row", { hasText: "analysis.ipynb" }).click();
      const cell = window.locator(".notebook-editor .cell-editor-container .monaco-editor .view-lines").first();
      await cell.waitFor({ timeout: 60_000 });
      await cell.click();
      const typed = await typeIn(window, 5_000);
      const rows = await eventually(
        "a session for the notebook's folder",
        async () => {
          const found = (await daemon.sessions()).filter((row) => row.project_path === notebooks);
          return found.some((row) => row.last_heartbeat >= seconds(typed.lastMs) - 1) ? found : undefined;
        },
        timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
        describeState,
      );
      assert.equal(rows.length, 1, JSON.stringify(rows));
      assert.ok((rows[0] as SessionRow).start_time <= seconds(typed.firstMs) + 1, JSON.stringify(rows));
      // The beats name the cell's language and the editor as WakaTime's tools do (never the file).
      const byLanguage = await daemon.breakdown("language", notebooks);
      assert.deepEqual(byLanguage.map((row) => row.name), ["Python"], JSON.stringify(byLanguage));
      assert.deepEqual((await daemon.breakdown("editor", notebooks)).map((row) => row.name), ["code-server"]);
    } finally {
      await window.close();
      await page.bringToFront();
    }
  });

  test("time in a debug session is debugging; coding again once it is stopped", async () => {
    const window = await openWindow(debugged);
    const toolbar = window.locator(".debug-toolbar");
    try {
      await openInEditor(window, "app.js");
      const startedMs = Date.now();
      await window.keyboard.press("F5"); // Run > Start Debugging
      await toolbar.waitFor({ state: "visible", timeout: 60_000 });
      const debugging = await typeIn(window, 5_000);
      await window.keyboard.press("Shift+F5"); // Run > Stop Debugging
      await toolbar.waitFor({ state: "hidden", timeout: 60_000 });
      const stoppedMs = Date.now();
      const coding = await typeIn(window, 8_000);
      const rows = await eventually(
        "coding after the debug session to reach the daemon",
        async () => {
          const found = (await daemon.sessions()).filter((row) => row.project_path === debugged);
          return found.some((row) => row.last_heartbeat >= seconds(coding.lastMs) - 1) ? found : undefined;
        },
        timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
        describeState,
      );
      assert.equal(rows.length, 1, JSON.stringify(rows));
      const byCategory = await daemon.breakdown("category", debugged);
      const timeIn = (name: string) => byCategory.find((row) => row.name === name)?.duration_seconds ?? 0;
      assert.deepEqual(byCategory.map((row) => row.name).sort(), ["coding", "debugging"], JSON.stringify(byCategory));
      // Debugging: at least the typing while the program ran, at most from F5 until the debug
      // toolbar was gone. Coding: the typing after it. (js-debug runs two sessions, the program's
      // inside its own; once both ended, vscode.debug.activeDebugSession sometimes still named the
      // parent, and then this coding counted as debugging.)
      const context = JSON.stringify({ byCategory, debugging, coding, startedMs, stoppedMs });
      assert.ok(timeIn("debugging") >= seconds(debugging.lastMs - debugging.firstMs) - 1, context);
      assert.ok(timeIn("debugging") <= seconds(stoppedMs - startedMs + 2 * SLACK_MS), context);
      assert.ok(timeIn("coding") >= seconds(coding.lastMs - coding.firstMs - SLACK_MS) - 1, context);
    } finally {
      if (await toolbar.isVisible()) {
        await window.keyboard.press("Shift+F5");
      }
      await window.close();
      await page.bringToFront();
    }
  });

  test("time while a build task runs is building; coding again once it ends", async () => {
    await fs.rm(path.join(debugged, "building"), { force: true });
    const before = await daemon.breakdown("category", debugged);
    const window = await openWindow(debugged);
    const exists = (name: string) => fs.access(path.join(debugged, name)).then(() => true, () => undefined);
    try {
      await openInEditor(window, "app.js");
      await window.keyboard.press("F1");
      await window.keyboard.type("Tasks: Run Build Task");
      await window.keyboard.press("Enter");
      await eventually("the build to start", () => exists("building"), 60_000);
      await window.locator(".editor-instance .monaco-editor .view-lines").click();
      const building = await typeIn(window, 3_000);
      await eventually("the build to end", () => exists("built"), 30_000);
      const coding = await typeIn(window, 6_000);
      await eventually(
        "coding after the build to reach the daemon",
        async () => {
          const found = (await daemon.sessions()).filter((row) => row.project_path === debugged);
          return found.some((row) => row.last_heartbeat >= seconds(coding.lastMs) - 1) ? found : undefined;
        },
        timing.throttleMs + timing.tickMs + 3 * SLACK_MS,
        describeState,
      );
      const timeIn = (name: string, rows: readonly BreakdownRow[]) =>
        rows.find((row) => row.name === name)?.duration_seconds ?? 0;
      const after = await daemon.breakdown("category", debugged);
      const context = JSON.stringify({ before, after, building, coding });
      assert.ok(timeIn("building", after) >= seconds(building.lastMs - building.firstMs) - 1, context);
      const codingAdded = timeIn("coding", after) - timeIn("coding", before);
      assert.ok(codingAdded >= seconds(coding.lastMs - coding.firstMs - SLACK_MS) - 1, context);
      assert.equal(timeIn("debugging", after), timeIn("debugging", before), context);
    } finally {
      await window.close();
      await page.bringToFront();
    }
  });

  test("Set API Key refuses a key pasted with a character no HTTP header can carry", async () => {
    await page.keyboard.press("F1");
    await page.keyboard.type("OxiTrack: Set API Key");
    await page.keyboard.press("Enter");
    // The command palette closes and the extension's input box opens in the same widget.
    await page.locator(".quick-input-widget .quick-input-title", { hasText: "OxiTrack API key" }).waitFor({ timeout: 30_000 });
    const input = page.locator(".quick-input-widget input");
    try {
      await page.keyboard.insertText("k3y\u200b"); // a zero-width space pasted with the key
      const message = page.locator(".quick-input-widget .quick-input-message");
      await eventually(
        "the input box to name the character",
        async () => (/U\+200B.*cannot carry/.test((await message.textContent()) ?? "") ? true : undefined),
        30_000,
      );
      await page.keyboard.press("Enter"); // refused: the box stays open, nothing is stored
      assert.ok(await input.isVisible());
    } finally {
      await page.keyboard.press("Escape");
    }
  });

  test("Clear API Key says what it did: with no key set, that there was none", async () => {
    await page.keyboard.press("F1");
    await page.keyboard.type("OxiTrack: Clear API Key");
    await page.keyboard.press("Enter");
    const toasts = page.locator(".notifications-toasts .notification-list-item-message");
    await eventually(
      "a message saying no API key was set",
      async () => ((await toasts.allTextContents()).some((text) => text.includes("OxiTrack: no API key was set.")) ? true : undefined),
      30_000,
    );
  });

  test("a click on the status bar opens the dashboard", async () => {
    const popup = page.context().waitForEvent("page", { timeout: 30_000 });
    await page.locator(STATUS_ITEM).click();
    const dashboard = await popup;
    const port = new URL(daemon.url).port;
    // code-server may route loopback addresses through its own port proxy.
    assert.match(dashboard.url(), new RegExp(`(127\\.0\\.0\\.1:${port}/|/proxy/${port}/)`));
  });
});

