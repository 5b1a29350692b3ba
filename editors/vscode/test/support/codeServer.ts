/**
 * A real VS Code for the end-to-end test: code-server (VS Code's server with its web UI) started
 * on a free loopback port with throwaway user-data, extensions and config folders, driven by
 * Chromium through playwright-core. The binaries come from the environment:
 *   OXITRACK_CODE_SERVER  the code-server executable (it runs on the `node` first on PATH: 24)
 *   OXITRACK_CHROMIUM     a Chromium executable (default /usr/bin/chromium)
 * The extension host is a Node process on the server side, so the extension's requests go from
 * there to the daemon, with no browser Origin.
 */

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { type Browser, chromium, type Page } from "playwright-core";

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`set ${name} (scripts/test-vscode does)`);
  }
  return value;
}

export interface CodeServerOptions {
  readonly root: string;
  readonly settings: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

export class CodeServer {
  readonly userDataDir: string;
  readonly extensionsDir: string;
  private process: ChildProcess | undefined;
  private output = "";
  url = "";

  constructor(private readonly options: CodeServerOptions) {
    this.userDataDir = path.join(options.root, "user-data");
    this.extensionsDir = path.join(options.root, "extensions");
  }

  private get baseArgs(): string[] {
    return [
      "--user-data-dir",
      this.userDataDir,
      "--extensions-dir",
      this.extensionsDir,
      "--config",
      path.join(this.options.root, "config.yaml"),
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
    ];
  }

  private get env(): NodeJS.ProcessEnv {
    const root = this.options.root;
    return {
      ...process.env,
      XDG_CONFIG_HOME: path.join(root, "xdg-config"),
      XDG_DATA_HOME: path.join(root, "xdg-data"),
      XDG_CACHE_HOME: path.join(root, "xdg-cache"),
      ...this.options.env,
    };
  }

  /** Writes the user settings and installs the .vsix, offline. */
  async prepare(vsix: string): Promise<void> {
    const userDir = path.join(this.userDataDir, "User");
    await fs.mkdir(userDir, { recursive: true });
    await fs.writeFile(path.join(userDir, "settings.json"), JSON.stringify(this.options.settings, null, 2));
    await new Promise<void>((resolve, reject) => {
      execFile(
        requiredEnv("OXITRACK_CODE_SERVER"),
        [...this.baseArgs, "--install-extension", vsix],
        { env: this.env, timeout: 120_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`installing ${vsix} failed: ${stdout}${stderr}`)) : resolve(),
      );
    });
  }

  /** Starts the server on a free port and resolves with its URL once it listens. */
  async start(timeoutMs = 120_000): Promise<string> {
    const child = spawn(
      requiredEnv("OXITRACK_CODE_SERVER"),
      [...this.baseArgs, "--bind-addr", "127.0.0.1:0", "--auth", "none"],
      // Its own process group, so stop() ends the extension hosts and watchers it forks too.
      { env: this.env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.process = child;
    const ready = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server not listening within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        const match = ready.exec(this.output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited with ${code}:\n${this.output}`));
      });
    });
    return this.url;
  }

  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child?.pid === undefined || child.exitCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child.pid, "SIGTERM");
    const deadline = setTimeout(() => killGroup(child.pid as number, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(deadline);
    killGroup(child.pid, "SIGKILL"); // stragglers of the group (file watcher, extension hosts)
  }

  /** The extension's OxiTrack output channel, as written to the log folder. */
  async extensionLog(): Promise<string> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.name === "OxiTrack.log") {
          found.push(`== ${full}\n${await fs.readFile(full, "utf8")}`);
        }
      }
    };
    await walk(path.join(this.userDataDir, "logs"));
    return found.join("\n");
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Headless Chromium; playwright gives every launch a fresh, empty profile folder. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env["OXITRACK_CHROMIUM"] || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export const STATUS_ITEM = "[id='oxitrack.oxitrack.oxitrack.status']";

/** Text of the OxiTrack status bar item (codicons excluded). */
export async function statusText(page: Page): Promise<string> {
  return ((await page.locator(STATUS_ITEM).textContent({ timeout: 10_000 })) ?? "").trim();
}
