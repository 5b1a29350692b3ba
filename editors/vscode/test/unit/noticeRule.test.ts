import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  NOTICE_MAX_AGE_MS,
  type NoticeMarker,
  type NoticeWindow,
  parseNoticeMarker,
  shouldForgetNotice,
  shouldShowNotice,
} from "../../src/core/noticeRule";

const NOW = 1_800_000_000_000;
const here: NoticeWindow = { pid: 100, nowMs: NOW, isAlive: (pid) => pid === 100 || pid === 200 };
const alive = (pid: number, ageMs = 60_000): NoticeMarker => ({ pid, atMs: NOW - ageMs });

describe("shouldShowNotice", () => {
  const cases: Array<[string, NoticeMarker | undefined, boolean]> = [
    ["no window has shown it", undefined, true],
    ["another open window has shown it", alive(200), false],
    ["this window has shown it", alive(100), false],
    ["the window that showed it is gone (closed, VS Code restarted)", alive(300), true],
    ["shown by an open window more than a day ago (a reused process id)", alive(200, NOTICE_MAX_AGE_MS + 1), true],
    ["shown by an open window exactly a day ago", alive(200, NOTICE_MAX_AGE_MS), false],
    ["a marker from the future (clock set back) by an open window", alive(200, -3_600_000), false],
  ];
  for (const [name, marker, expected] of cases) {
    test(name, () => assert.equal(shouldShowNotice(marker, here), expected));
  }
});

describe("shouldForgetNotice", () => {
  const cases: Array<[string, NoticeMarker | undefined, boolean]> = [
    ["no marker", undefined, false],
    ["its own marker", alive(100), true],
    ["the marker of another open window: that window removes it when it sees the fix", alive(200), false],
    ["the marker of a window that is gone", alive(300), true],
  ];
  for (const [name, marker, expected] of cases) {
    test(name, () => assert.equal(shouldForgetNotice(marker, here), expected));
  }
});

describe("parseNoticeMarker", () => {
  test("a marker as written", () => {
    assert.deepEqual(parseNoticeMarker('{"pid": 42, "atMs": 5, "text": "x"}'), { pid: 42, atMs: 5 });
  });
  const broken = ["", "{", "null", "[]", '{"pid": 0, "atMs": 5}', '{"pid": 1.5, "atMs": 5}', '{"pid": 4, "atMs": "5"}'];
  for (const text of broken) {
    test(`not a marker (so it does not count): ${JSON.stringify(text)}`, () => {
      assert.equal(parseNoticeMarker(text), undefined);
    });
  }
});
