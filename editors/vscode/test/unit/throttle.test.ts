import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import { ActivityState } from "../../src/core/idle";
import { BeatThrottle } from "../../src/core/throttle";
import { DEFAULT_TIMING } from "../../src/core/timing";

const S = 1000;
const T0 = 1_750_000_000 * S;

function throttle(): BeatThrottle {
  return new BeatThrottle(DEFAULT_TIMING);
}

function at(seconds: number): number {
  return T0 + seconds * S;
}

function seconds(beat: Beat): number {
  return beat.timestamp - T0 / S;
}

/** Plays a script of activity second by second with a tick every 5 s, like the tracker does. */
function simulate(options: {
  untilSeconds: number;
  activityAt: (second: number) => string | undefined;
  focused?: boolean;
}): Array<{ sentAt: number; project: string; at: number }> {
  const t = throttle();
  const state = new ActivityState(DEFAULT_TIMING.activeWindowMs, options.focused ?? true);
  const sent: Array<{ sentAt: number; project: string; at: number }> = [];
  const record = (sentAt: number, beats: Beat[]) => {
    for (const beat of beats) {
      sent.push({ sentAt, project: beat.project_path, at: seconds(beat) });
    }
  };
  for (let second = 0; second <= options.untilSeconds; second++) {
    const project = options.activityAt(second);
    if (project !== undefined) {
      state.noteActivity(at(second));
      record(second, t.onActivity(project, at(second)));
    }
    if (second % 5 === 0) {
      record(second, t.onTick(at(second), state.isWorking(at(second))));
    }
  }
  return sent;
}

describe("BeatThrottle", () => {
  test("first activity beats at once, with the activity's own timestamp", () => {
    const beats = throttle().onActivity("/p", at(0) + 700);
    assert.deepEqual(beats, [{ project_path: "/p", timestamp: T0 / S }]);
  });

  test("activity within 30 s of the last beat is held back, not sent", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.deepEqual(t.onActivity("/p", at(1)), []);
    assert.deepEqual(t.onActivity("/p", at(29)), []);
  });

  test("activity 30 s after the last beat beats at once", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.equal(t.onActivity("/p", at(30)).length, 1);
  });

  test("held-back activity goes out as a trailing beat carrying its own time", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    t.onActivity("/p", at(10));
    t.onActivity("/p", at(20));
    assert.deepEqual(t.onTick(at(25), false), [], "not before the interval has passed");
    const trailing = t.onTick(at(30), false);
    assert.deepEqual(trailing.map(seconds), [20]);
    assert.deepEqual(t.onTick(at(60), false), [], "sent once only");
  });

  test("save beats at once inside the interval once the last beat is 10 s old", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.deepEqual(t.onActivity("/p", at(10), "save").map(seconds), [10]);
  });

  test("save within 10 s of the last beat is held back like other activity, not lost", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.deepEqual(t.onActivity("/p", at(3), "save"), []);
    assert.deepEqual(t.onTick(at(30), false).map(seconds), [3], "the trailing beat carries the save");
  });

  test("auto save after every pause in typing: at most one save beat per 10 s", () => {
    const t = throttle();
    const sentAt: number[] = [];
    for (let second = 0; second <= 120; second++) {
      // files.autoSave "afterDelay" (1 s): a save after each keystroke pause, here every 2 s.
      const urgency = second % 2 === 0 ? "save" : "normal";
      if (t.onActivity("/p", at(second), urgency).length > 0) {
        sentAt.push(second);
      }
      if (second % 5 === 0 && t.onTick(at(second), true).length > 0) {
        sentAt.push(second);
      }
    }
    for (let i = 1; i < sentAt.length; i++) {
      assert.ok((sentAt[i] as number) - (sentAt[i - 1] as number) >= 10, `beats at ${sentAt.join(",")}`);
    }
    assert.ok(sentAt.length <= 13, `${sentAt.length} beats in 2 minutes`);
  });

  test("switching to another project beats at once, and so does switching back", () => {
    const t = throttle();
    t.onActivity("/a", at(0));
    assert.deepEqual(t.onActivity("/b", at(2)), [{ project_path: "/b", timestamp: T0 / S + 2 }]);
    assert.deepEqual(t.onActivity("/a", at(4)).map(seconds), [4]);
  });

  test("a project left mid-interval still gets its trailing beat", () => {
    const t = throttle();
    t.onActivity("/a", at(0));
    t.onActivity("/a", at(12));
    t.onActivity("/b", at(13));
    const beats = t.onTick(at(30), false);
    assert.deepEqual(beats, [{ project_path: "/a", timestamp: T0 / S + 12 }]);
  });

  test("keep-alive: while working, a beat at least every 60 s without new activity", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.deepEqual(t.onTick(at(55), true), []);
    assert.deepEqual(t.onTick(at(60), true).map(seconds), [60]);
    assert.deepEqual(t.onTick(at(90), true), []);
    assert.deepEqual(t.onTick(at(120), true).map(seconds), [120]);
  });

  test("no keep-alive when not working (idle or unfocused)", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.deepEqual(t.onTick(at(60), false), []);
    assert.deepEqual(t.onTick(at(600), false), []);
  });

  test("untracked activity (excluded folder) ends keep-alive for the previous project", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    assert.equal(t.project, "/p", "the tracker ends keep-alive when a change of settings leaves this project");
    t.onUntrackedActivity();
    assert.equal(t.project, undefined);
    assert.deepEqual(t.onTick(at(60), true), []);
    assert.equal(t.onActivity("/p", at(61)).length, 1, "coming back is a switch");
  });

  test("flushHeldBack hands out all held-back activity at once", () => {
    const t = throttle();
    t.onActivity("/a", at(0));
    t.onActivity("/a", at(5));
    t.onActivity("/b", at(6));
    t.onActivity("/b", at(7));
    assert.deepEqual(
      t.flushHeldBack(at(8)).map((beat) => [beat.project_path, seconds(beat)]),
      [
        ["/a", 5],
        ["/b", 7],
      ],
    );
    assert.deepEqual(t.onTick(at(100), false), []);
  });

  test("reset forgets everything", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    t.onActivity("/p", at(5));
    t.reset();
    assert.deepEqual(t.onTick(at(100), true), []);
    assert.equal(t.project, undefined);
  });

  test("a clock stepped back: the next activity beats at once instead of waiting out the step", () => {
    const t = throttle();
    t.onActivity("/p", at(3600));
    assert.deepEqual(t.onActivity("/p", at(0)).map(seconds), [0]);
    assert.deepEqual(t.onActivity("/p", at(10)), [], "the throttle holds again from the new time");
  });

  test("a clock stepped back: activity held back before the step is not forgotten", () => {
    const t = throttle();
    t.onActivity("/p", at(3600));
    t.onActivity("/p", at(3610));
    assert.deepEqual(t.onActivity("/p", at(0)).map(seconds), [0]);
    assert.deepEqual(t.onTick(at(30), false).map(seconds), [3610]);
  });

  test("a clock stepped back a little: the trailing beat keeps the latest activity held back", () => {
    const t = throttle();
    t.onActivity("/p", at(0));
    t.onActivity("/p", at(20));
    assert.deepEqual(t.onActivity("/p", at(10)), [], "still inside the interval, held back");
    assert.deepEqual(t.onTick(at(30), false).map(seconds), [20]);
  });

  test("a clock stepped back: trailing and keep-alive beats do not wait out the step", () => {
    const t = throttle();
    t.onActivity("/p", at(3600));
    t.onActivity("/p", at(3601));
    assert.deepEqual(t.onTick(at(0), false).map(seconds), [3601], "the held-back activity goes out");
    t.onActivity("/p", at(7200));
    assert.deepEqual(t.onTick(at(100), true).map(seconds), [100], "keep-alive");
  });

  test("three minutes of typing: at most one beat per 30 s, first and last activity covered", () => {
    const sent = simulate({ untilSeconds: 400, activityAt: (s) => (s <= 180 ? "/p" : undefined), focused: false });
    const sentTimes = sent.map((beat) => beat.sentAt);
    for (let i = 1; i < sentTimes.length; i++) {
      assert.ok((sentTimes[i] as number) - (sentTimes[i - 1] as number) >= 30, `beats ${sentTimes.join(",")}`);
    }
    assert.equal(sent[0]?.at, 0);
    assert.equal(sent.at(-1)?.at, 180, "the session ends where the typing ended");
    assert.ok(sent.length <= 7, `${sent.length} beats`);
  });

  test("typing then reading with focus: keep-alive covers up to 2 minutes, then nothing", () => {
    const sent = simulate({ untilSeconds: 900, activityAt: (s) => (s <= 60 ? "/p" : undefined) });
    const last = sent.at(-1)?.at ?? 0;
    assert.ok(last > 60 && last <= 60 + 120, `last beat at ${last}`);
    assert.ok(sent.every((beat) => beat.sentAt <= 60 + 120 + 5), "nothing once idle");
  });

  test("an open window nobody touches sends nothing", () => {
    assert.deepEqual(simulate({ untilSeconds: 3600, activityAt: () => undefined }), []);
  });

  test("two projects typed in alternately: each gets its own throttle", () => {
    const sent = simulate({ untilSeconds: 120, activityAt: (s) => (s % 20 < 10 ? "/a" : "/b"), focused: false });
    for (const project of ["/a", "/b"]) {
      const times = sent.filter((beat) => beat.project === project).map((beat) => beat.at);
      assert.ok(times.length >= 4, `${project}: ${times.join(",")}`);
    }
  });
});

describe("ActivityState", () => {
  test("idle before any activity", () => {
    assert.equal(new ActivityState(120 * S, true).isIdle(at(0)), true);
  });

  test("working within the active window when focused, idle after it", () => {
    const state = new ActivityState(120 * S, true);
    state.noteActivity(at(0));
    assert.equal(state.isWorking(at(120)), true);
    assert.equal(state.isIdle(at(121)), true);
    assert.equal(state.isWorking(at(121)), false);
  });

  test("not working while unfocused, even with recent activity", () => {
    const state = new ActivityState(120 * S, true);
    state.noteActivity(at(0));
    assert.equal(state.isFocused, true);
    state.setFocused(false);
    assert.equal(state.isFocused, false, "the tracker counts no event of a window without focus");
    assert.equal(state.isWorking(at(1)), false);
    assert.equal(state.isIdle(at(1)), false);
  });

  test("a clock stepped back: the latest activity counts, not the one from the future", () => {
    const state = new ActivityState(120 * S, true);
    state.noteActivity(at(3600));
    state.noteActivity(at(0));
    assert.equal(state.isWorking(at(60)), true);
    assert.equal(state.isIdle(at(121)), true, "idle 2 minutes after the last activity, not after the step");
  });

  test("a clock stepped back with no new activity: idle, so no keep-alive for the step's length", () => {
    const state = new ActivityState(120 * S, true);
    state.noteActivity(at(3600));
    assert.equal(state.isIdle(at(0)), true);
  });
});

describe("BeatThrottle: languages", () => {
  test("each beat carries the language of the activity it stands for", () => {
    const t = throttle();
    assert.deepEqual(t.onActivity("/p", at(0), "normal", "Python"), [
      { project_path: "/p", timestamp: T0 / S, language: "Python" },
    ]);
    assert.deepEqual(t.onActivity("/p", at(5), "normal", "Python"), []);
    assert.deepEqual(t.onTick(at(30), true), [{ project_path: "/p", timestamp: T0 / S + 5, language: "Python" }]);
  });

  test("a file of no language gives beats with no language field", () => {
    const [only] = throttle().onActivity("/p", at(0));
    assert.deepEqual(only, { project_path: "/p", timestamp: T0 / S });
  });

  test("moving to a file of another language in the same project beats at once", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Python");
    const beats = t.onActivity("/p", at(10), "normal", "Markdown");
    assert.deepEqual(beats.map((b) => [seconds(b), b.language]), [[10, "Markdown"]]);
  });

  test("going back and forth between two languages: one beat per language per interval, none lost", () => {
    const t = throttle();
    type Sent = [number, string | undefined];
    const sent: Sent[] = [];
    const record = (beats: Beat[]) => sent.push(...beats.map((b): Sent => [seconds(b), b.language]));
    for (let second = 0; second < 30; second++) {
      record(t.onActivity("/p", at(second), "normal", second % 4 < 2 ? "TypeScript" : "HTML"));
      if (second % 5 === 0) {
        record(t.onTick(at(second), true));
      }
    }
    record(t.onTick(at(60), true));
    // At once: the first of each; then each language's last activity once its 30 s have passed.
    assert.deepEqual(sent.slice(0, 2), [[0, "TypeScript"], [2, "HTML"]]);
    assert.deepEqual(sent.slice(2, 4).sort(), [[27, "HTML"], [29, "TypeScript"]]);
    assert.equal(sent.length, 4, "14 switches in 30 s, 4 beats");
  });

  test("the keep-alive beat carries the language being worked in", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Rust");
    const [keepAlive] = t.onTick(at(60), true);
    assert.equal(keepAlive?.language, "Rust");
  });

  test("a save soon after a beat in the same language is held back; the language's own gap counts", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    assert.deepEqual(t.onActivity("/p", at(5), "save", "Go"), []);
    assert.equal(t.onActivity("/p", at(11), "save", "Go").length, 1);
  });

  test("closing the window flushes every language's held-back activity", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Python");
    t.onActivity("/p", at(1), "normal", "YAML");
    t.onActivity("/p", at(3), "normal", "Python");
    t.onActivity("/p", at(4), "normal", "YAML");
    const flushed = t.flushHeldBack(at(5)).map((b) => [seconds(b), b.language]);
    assert.deepEqual(flushed.sort(), [[3, "Python"], [4, "YAML"]]);
  });
});

describe("BeatThrottle: categories", () => {
  type Sent = [number, string | undefined];
  const sent = (beats: Beat[]): Sent[] => beats.map((b): Sent => [seconds(b), b.category]);

  test("a beat carries the category of its activity; coding names none", () => {
    const t = throttle();
    assert.deepEqual(t.onActivity("/p", at(0), "normal", "Go"), [{ project_path: "/p", timestamp: T0 / S, language: "Go" }]);
    assert.deepEqual(t.onActivity("/p", at(40), "normal", "Go", "debugging"), [
      { project_path: "/p", timestamp: T0 / S + 40, language: "Go", category: "debugging" },
    ]);
  });

  test("a debug session starting beats at once, though the project and language had a beat 5 s ago", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    assert.deepEqual(sent(t.onActivity("/p", at(5), "normal", "Go", "debugging")), [[5, "debugging"]]);
  });

  test("back to coding beats at once too, though coding had a beat in the last 30 s", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    t.onActivity("/p", at(5), "normal", "Go", "debugging");
    assert.deepEqual(sent(t.onActivity("/p", at(12), "normal", "Go")), [[12, undefined]]);
    assert.deepEqual(t.onActivity("/p", at(13), "normal", "Go"), [], "then the throttle as usual");
  });

  test("while debugging, one beat per 30 s; the held-back activity keeps its category", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go", "debugging");
    assert.deepEqual(t.onActivity("/p", at(10), "normal", "Go", "debugging"), []);
    assert.deepEqual(sent(t.onTick(at(30), true, "debugging")), [[10, "debugging"]]);
  });

  test("a category changing with no activity, while working: the tick beats at once in the new one", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    t.onActivity("/p", at(1), "normal", "Go", "debugging");
    t.onActivity("/p", at(3), "normal", "Go", "debugging");
    // The session ends at 8 s, though coding had a beat 8 s ago: coding from now on, marked at
    // once. The debugging activity held back goes out later, in its own category.
    assert.deepEqual(sent(t.onTick(at(8), true)), [[8, undefined]]);
    assert.deepEqual(sent(t.onTick(at(31), true)), [[3, "debugging"]]);
    assert.deepEqual(t.onTick(at(35), true), [], "the change is marked once");
    assert.deepEqual(sent(t.onTick(at(68), true)), [[68, undefined]], "then keep-alives in the new category");
  });

  test("a category changing in an idle window: no beat; the next activity beats at once", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    assert.deepEqual(t.onTick(at(150), false, "building"), []);
    assert.deepEqual(t.onTick(at(155), false), []);
    assert.deepEqual(t.onTick(at(160), false, "building"), []);
    assert.deepEqual(sent(t.onActivity("/p", at(161), "normal", "Go", "building")), [[161, "building"]]);
  });

  test("the keep-alive beat names the category of the time now", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go", "building");
    assert.deepEqual(sent(t.onTick(at(60), true, "building")), [[60, "building"]]);
  });

  test("closing the window flushes each category's held-back activity", () => {
    const t = throttle();
    t.onActivity("/p", at(0), "normal", "Go");
    t.onActivity("/p", at(1), "normal", "Go", "debugging");
    t.onActivity("/p", at(2), "normal", "Go", "debugging");
    t.onActivity("/p", at(3), "normal", "Go");
    t.onActivity("/p", at(4), "normal", "Go");
    assert.deepEqual(sent(t.flushHeldBack(at(5))), [[2, "debugging"], [4, undefined]]);
  });
});
