/**
 * What happens to the beats a closing window still holds back. While VS Code shuts the extension
 * host down there is no time for a request to the daemon to finish, so they go straight to the
 * outbox (Delivery.saveForLater, which also saves the beats whose requests are still in flight)
 * and the next window replays them. A delivery without that method gets them sent as usual.
 * Must not import `vscode`.
 */

import type { Beat } from "./beat";

export interface BeatSender {
  send(beat: Beat): Promise<void>;
}

/** Writes beats to the outbox without touching the network. */
export interface ExitSaver {
  saveForLater(beats: readonly Beat[]): Promise<void>;
}

export async function handOverOnExit(
  beats: readonly Beat[],
  delivery: BeatSender & Partial<ExitSaver>,
): Promise<void> {
  // Called even with no beats: delivery also saves the beats whose requests are still in flight.
  if (delivery.saveForLater !== undefined) {
    await delivery.saveForLater(beats);
    return;
  }
  await Promise.all(beats.map((beat) => delivery.send(beat)));
}
