/**
 * Not a test: what one replay of a full outbox costs while the daemon is down. Fills an outbox
 * with 200,000 beats (weeks offline), points a real DaemonClient at a loopback port nothing
 * listens on (connection refused), and times replay attempts as a window's minute timer runs
 * them, with the bytes the process wrote and read meanwhile (Linux: /proc/self/io; elsewhere only
 * the time). Run: `npm run bench`.
 */

import { promises as fs } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

import { DaemonClient } from "../src/core/daemonClient";
import { Delivery } from "../src/core/delivery";
import { DEFAULT_MAX_BEATS, Outbox, QUEUE_FILE } from "../src/core/outbox";

const ATTEMPTS = 5;
const FIRST_TIMESTAMP = 1_780_000_000;

/** A full outbox's queue, written as the extension writes it: one beat every 30 s, 4 projects. */
function queueText(): string {
  const lines: string[] = [];
  for (let index = 0; index < DEFAULT_MAX_BEATS; index++) {
    const beat = {
      project_path: `/home/someone/code/project-${index % 4}`,
      timestamp: FIRST_TIMESTAMP + index * 30,
      language: "TypeScript",
      editor: "vscode",
    };
    lines.push(`${JSON.stringify(beat)}\n`);
  }
  return lines.join("");
}

/** A loopback port that refuses connections: one the system just gave out and took back. */
async function refusingPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Bytes this process has written and read so far (Linux), else undefined. */
async function ioCounters(): Promise<{ written: number; read: number } | undefined> {
  const text = await fs.readFile("/proc/self/io", "utf8").catch(() => undefined);
  if (text === undefined) {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return { written: field("wchar"), read: field("rchar") };
}

function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} B` : `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "oxitrack-bench-outbox-"));
  try {
    await fs.writeFile(path.join(dir, QUEUE_FILE), queueText());
    const size = (await fs.stat(path.join(dir, QUEUE_FILE))).size;
    const serverUrl = `http://127.0.0.1:${await refusingPort()}`;
    const client = new DaemonClient({ serverUrl, timeoutMs: 5_000 });
    const logged: string[] = [];
    const outbox = new Outbox({ dir, log: (message) => logged.push(message) });
    const delivery = new Delivery(() => client, outbox, (message) => logged.push(message));
    console.log(`outbox: ${DEFAULT_MAX_BEATS} beats, ${mib(size)}; daemon: ${serverUrl} (connection refused)`);
    const times: number[] = [];
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const before = await ioCounters();
      const startMs = performance.now();
      await delivery.replay();
      const elapsedMs = performance.now() - startMs;
      const after = await ioCounters();
      times.push(elapsedMs);
      const io =
        before === undefined || after === undefined
          ? ""
          : `, wrote ${mib(after.written - before.written)}, read ${mib(after.read - before.read)}`;
      console.log(`attempt ${attempt}: ${elapsedMs.toFixed(1)} ms${io}; ${delivery.state.queued} beats queued`);
    }
    const median = [...times].sort((a, b) => a - b)[Math.floor(ATTEMPTS / 2)] as number;
    console.log(`median of ${ATTEMPTS}: ${median.toFixed(1)} ms per replay attempt`);
    if (delivery.state.queued !== DEFAULT_MAX_BEATS) {
      throw new Error(`expected every beat still queued, found ${delivery.state.queued}`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
