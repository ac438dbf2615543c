/**
 * The real `cohort` binary as child processes, for tests of what the README says about
 * processes: exit codes, reconnects, kill -9, restarts. Output is collected line by line
 * and tests wait on lines, never on time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { deferred } from '../../shared/async.js';

/** bin/cohort.js of this checkout (tests run from dist/test/...). */
export const COHORT_BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));

/** How a child process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running `cohort` child with its output. */
export class CohortProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  private out = '';
  private err = '';
  private readonly waiters = new Set<() => void>();

  constructor(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, [COHORT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env ?? process.env });
    const done = deferred<Exit>();
    this.exited = done.promise;
    this.child.stdout?.on('data', (d: Buffer) => {
      this.out += d.toString();
      this.notify();
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.err += d.toString();
      this.notify();
    });
    this.child.on('exit', (code, signal) => {
      done.resolve({ code, signal });
      this.notify();
    });
  }

  /** Everything written to stdout so far. */
  get stdout(): string {
    return this.out;
  }

  /** Everything written to stderr so far. */
  get stderr(): string {
    return this.err;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /**
   * Resolve with the first match of `pattern` in stderr (or stdout) after character
   * `from`; reject if the process exits first. The test's own timeout bounds the wait.
   */
  waitFor(pattern: RegExp, opts: { from?: number; stream?: 'stderr' | 'stdout' } = {}): Promise<RegExpExecArray> {
    const from = opts.from ?? 0;
    const text = (): string => (opts.stream === 'stdout' ? this.out : this.err).slice(from);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = pattern.exec(text());
        if (m) {
          this.waiters.delete(check);
          resolve(m);
        } else if (!this.running) {
          this.waiters.delete(check);
          reject(new Error(`process exited (${String(this.child.exitCode ?? this.child.signalCode)}) before ${String(pattern)} appeared:\n${this.err.slice(-4000)}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Resolve once `pattern` has matched `count` times in stderr (from character `from`). */
  async waitForCount(pattern: RegExp, count: number, from = 0): Promise<void> {
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    const seen = (): number => this.err.slice(from).match(global)?.length ?? 0;
    if (seen() >= count) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (seen() >= count) {
          this.waiters.delete(check);
          resolve();
        } else if (!this.running) {
          this.waiters.delete(check);
          reject(new Error(`process exited before ${String(pattern)} appeared ${count} times:\n${this.err.slice(-4000)}`));
        }
      };
      this.waiters.add(check);
    });
  }

  /** Send `signal` and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}

/** Run `cohort ARGS` to completion. */
export async function runCohort(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Exit & { stdout: string; stderr: string }> {
  const p = new CohortProcess(args, opts);
  const exit = await p.exited;
  return { ...exit, stdout: p.stdout, stderr: p.stderr };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for restarts on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
