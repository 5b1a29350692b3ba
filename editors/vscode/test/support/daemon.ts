/**
 * A real `oxitrack serve` process for integration and end-to-end tests, and a read-only look at its
 * database. The Python comes from OXITRACK_PYTHON (scripts/test sets it to the venv with oxitrack
 * installed). The daemon starts with `--port 0` and announces its address on stdout, so there is no
 * race between choosing a port and binding it; a restart reuses the port it got.
 */

import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";

export interface SessionRow {
  readonly id: number;
  readonly project_path: string;
  readonly start_time: number;
  readonly last_heartbeat: number;
}

/** A row of `GET /api/breakdown`: a language, editor, machine or operating system (null: none
 * named), or a category (time of none is `coding`), and its time. */
export interface BreakdownRow {
  readonly name: string | null;
  readonly duration_seconds: number;
}

const READY = /listening on (http:\/\/\S+)/;

export function pythonForDaemon(): string {
  const python = process.env["OXITRACK_PYTHON"];
  if (python === undefined || python === "") {
    throw new Error("set OXITRACK_PYTHON to a Python with oxitrack installed (scripts/test does)");
  }
  return python;
}

export class Daemon {
  private process: ChildProcessWithoutNullStreams | undefined;
  private stderr = "";
  url = "";
  port = 0;

  constructor(
    readonly dbPath: string,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  /** Starts the daemon (on its previous port after a stop) and resolves once it listens. */
  async start(timeoutMs = 30_000): Promise<this> {
    const args = ["-m", "oxitrack", "serve", "--db", this.dbPath, "--port", String(this.port), ...this.extraArgs];
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("OXITRACK_")));
    const child = spawn(pythonForDaemon(), args, { env });
    this.process = child;
    this.stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.url = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      const timer = setTimeout(() => fail(`not listening within ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`daemon ${why}; stderr:\n${this.stderr}`));
      };
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = READY.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on("exit", (code) => fail(`exited with ${code} before listening`));
    });
    child.removeAllListeners("exit");
    this.port = Number(new URL(this.url).port);
    return this;
  }

  /** SIGTERM (or SIGKILL) and wait for the process to be gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  }

  get isRunning(): boolean {
    return this.process !== undefined;
  }

  /** What the daemon wrote to stderr since it was last started (`--verbose` logs every beat). */
  get log(): string {
    return this.stderr;
  }

  /** All sessions in the database, ordered by project and start. */
  sessions(): Promise<SessionRow[]> {
    return readSessions(this.dbPath);
  }

  /** The rows of `GET /api/breakdown?by=<by>` over today and yesterday (UTC), of one project if given. */
  async breakdown(by: string, projectPath?: string): Promise<BreakdownRow[]> {
    const project = projectPath === undefined ? "" : `&project=${encodeURIComponent(projectPath)}`;
    const response = await fetch(`${this.url}/api/breakdown?by=${by}&days=2&tz=UTC${project}`);
    if (response.status !== 200) {
      throw new Error(`GET /api/breakdown answered ${response.status}: ${await response.text()}`);
    }
    return ((await response.json()) as { rows: BreakdownRow[] }).rows;
  }
}

/** Reads the sessions table with Python's sqlite3, read-only, so the test never writes the db. */
export function readSessions(dbPath: string): Promise<SessionRow[]> {
  const script = [
    "import json, sqlite3, sys",
    "c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)",
    "rows = c.execute('SELECT id, project_path, start_time, last_heartbeat FROM sessions'",
    "                 ' ORDER BY project_path, start_time').fetchall()",
    "print(json.dumps([dict(zip(('id', 'project_path', 'start_time', 'last_heartbeat'), r)) for r in rows]))",
  ].join("\n");
  return new Promise((resolve, reject) => {
    execFile(pythonForDaemon(), ["-c", script, dbPath], (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`reading ${dbPath} failed: ${stderr}`));
      } else {
        resolve(JSON.parse(stdout) as SessionRow[]);
      }
    });
  });
}

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` with the
 * last thing it saw. The pause between probes is polling cadence, not a wait for state.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  describeLast: () => string | Promise<string> = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. ${await describeLast()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
