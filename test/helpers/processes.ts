/**
 * The real `cohort` binary (bin/cohort.js, after the build) as child processes: one-shot
 * commands run to completion, long-running ones (coordinator, node) in the background
 * with their output captured, waited on by what they print (never by sleeping), and
 * stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Absolute path of bin/cohort.js. */
export const COHORT_BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

/** How a process ended and what it printed. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where and how to run. */
export interface SpawnOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Run `program args` to completion (for `cohort`: `runCohort`). */
export function run(program: string, args: readonly string[], opts: SpawnOptions): Promise<Finished> {
  const p = new Background(program, args, opts);
  return p.exited;
}

/** Run `cohort args` to completion. */
export function runCohort(args: readonly string[], opts: SpawnOptions): Promise<Finished> {
  return run(process.execPath, [COHORT_BIN, ...args], opts);
}

/** A process running in the background whose output is kept and can be waited on. */
export class Background {
  readonly child: ChildProcess;
  /** Settles when the process has exited and its output is complete. */
  readonly exited: Promise<Finished>;
  private out = '';
  private err = '';
  private readonly waiters = new Set<() => void>();
  private done: Finished | undefined;

  constructor(
    program: string,
    readonly args: readonly string[],
    opts: SpawnOptions,
  ) {
    this.child = spawn(program, [...args], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => this.grew(() => (this.out += d.toString())));
    this.child.stderr?.on('data', (d: Buffer) => this.grew(() => (this.err += d.toString())));
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      // 'close' (not 'exit'): the output pipes are drained by then.
      this.child.once('close', (code, signal) => {
        this.done = { code, signal, stdout: this.out, stderr: this.err };
        this.grew(() => undefined);
        resolve(this.done);
      });
    });
  }

  /** What the process printed on stdout so far. */
  get stdout(): string {
    return this.out;
  }

  /** What the process printed on stderr so far. */
  get stderr(): string {
    return this.err;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.done === undefined;
  }

  private grew(append: () => void): void {
    append();
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolve with the first match of `pattern` in stderr (where Cohort logs) or stdout,
   * searching from `from` characters in; reject if the process exits without printing it.
   */
  waitFor(pattern: RegExp, from: { stdout?: number; stderr?: number } = {}): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(this.err.slice(from.stderr ?? 0)) ?? pattern.exec(this.out.slice(from.stdout ?? 0));
        if (m) {
          this.waiters.delete(check);
          resolve(m);
        } else if (this.done) {
          this.waiters.delete(check);
          reject(new Error(`${this.describe()} exited (code ${this.done.code}, signal ${this.done.signal}) without printing ${pattern}:\n${this.err}${this.out}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolve once `pattern` has matched `count` times in stderr after character `from`; reject if the process exits first. */
  waitForCount(pattern: RegExp, count: number, from = 0): Promise<void> {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if ((this.err.slice(from).match(global)?.length ?? 0) >= count) {
          this.waiters.delete(check);
          resolve();
        } else if (this.done) {
          this.waiters.delete(check);
          reject(new Error(`${this.describe()} exited (code ${this.done.code}, signal ${this.done.signal}) before printing ${pattern} ${count} times:\n${this.err.slice(-4000)}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Send `signal` (if still running) and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Finished> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** The command line, for messages. */
  describe(): string {
    const shown = this.args[0] === COHORT_BIN ? ['cohort', ...this.args.slice(1)] : this.args;
    return shown.join(' ');
  }
}

/** `cohort args` in the background. */
export function startCohort(args: readonly string[], opts: SpawnOptions): Background {
  return new Background(process.execPath, [COHORT_BIN, ...args], opts);
}

/**
 * The background processes of one test: each is SIGTERMed at `stopAll` and SIGKILLed if
 * it has not exited `graceMs` later (a bound on a hung process, not a wait for a condition).
 */
export class ProcessGroup {
  private readonly members: Background[] = [];

  /** Track `p` and return it. */
  add<T extends Background>(p: T): T {
    this.members.push(p);
    return p;
  }

  /** `cohort args` in the background, tracked. */
  cohort(args: readonly string[], opts: SpawnOptions): Background {
    return this.add(startCohort(args, opts));
  }

  /** Stop every tracked process; resolves once all have exited. */
  async stopAll(graceMs = 5000): Promise<Finished[]> {
    const running = this.members.filter((p) => p.running);
    for (const p of running) p.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const p of running) if (p.running) p.child.kill('SIGKILL');
    }, graceMs);
    try {
      return await Promise.all(this.members.map((p) => p.exited));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Listen on `port` of 127.0.0.1 (0: any); the server, or undefined if the port is taken. */
async function bind(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function release(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for restarts on the same port). */
export async function freePort(): Promise<number> {
  const server = await bind(0);
  const address = server?.address();
  if (!server || address === null || typeof address !== 'object') throw new Error('no free port on 127.0.0.1');
  await release(server);
  return address.port;
}

/**
 * A port P on 127.0.0.1 that was free a moment ago with P + 1 free too: a coordinator
 * started with `--port P` and no `--bulk-port` listens on both.
 */
export async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = await bind(0);
    const address = first?.address();
    if (!first || address === null || typeof address !== 'object') continue;
    const second = address.port < 65535 ? await bind(address.port + 1) : undefined;
    await release(first);
    if (second) {
      await release(second);
      return address.port;
    }
  }
  throw new Error('no two adjacent free ports on 127.0.0.1');
}
