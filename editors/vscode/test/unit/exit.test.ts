import assert from "node:assert/strict";
import { describe, test } from "node:test";

import type { Beat } from "../../src/core/beat";
import { handOverOnExit } from "../../src/core/exit";

const beats: Beat[] = [
  { project_path: "/home/dev/app", timestamp: 1_750_000_000 },
  { project_path: "/home/dev/lib", timestamp: 1_750_000_004 },
];

function recorder() {
  const sent: Beat[] = [];
  const saved: Beat[][] = [];
  return {
    sent,
    saved,
    sender: { send: async (beat: Beat) => void sent.push(beat) },
    saver: {
      send: async (beat: Beat) => void sent.push(beat),
      saveForLater: async (batch: readonly Beat[]) => void saved.push([...batch]),
    },
  };
}

describe("handOverOnExit", () => {
  test("held-back beats go to the outbox in one batch, with no request", async () => {
    const r = recorder();
    await handOverOnExit(beats, r.saver);
    assert.deepEqual(r.saved, [beats]);
    assert.deepEqual(r.sent, []);
  });

  test("a delivery without saveForLater sends them as usual", async () => {
    const r = recorder();
    await handOverOnExit(beats, r.sender);
    assert.deepEqual(r.sent, beats);
  });

  test("nothing held back: delivery is still asked, for the beats it has in flight", async () => {
    const r = recorder();
    await handOverOnExit([], r.saver);
    assert.deepEqual(r.saved, [[]]);
  });
});
