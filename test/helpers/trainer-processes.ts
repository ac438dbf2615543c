/** Real `cohort` processes and Python for tests that run what an operator runs. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deferred } from '../../shared/async.js';

/** The `cohort` binary (after `npm run build`). */
export const COHORT_BIN = fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url));
/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** A long-running child whose stderr is watched for a ready line. */
export interface Daemon {
  readonly child: ChildProcess;
  /** Resolves with the match of the ready pattern; rejects if the process exits first. */
  readonly ready: Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves when stderr matches `pattern` (checked on every write). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Spawn `command args` (stdout ignored); ready when stderr matches `readyPattern`. */
export function daemon(command: string, args: readonly string[], readyPattern: RegExp, opts: { cwd: string; env?: NodeJS.ProcessEnv }): Daemon {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd, env: opts.env ?? process.env });
  const exited = deferred<number | null>();
  let err = '';
  const watchers: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  const check = (): void => {
    for (const w of [...watchers]) {
      const m = w.pattern.exec(err);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  const waitFor = (pattern: RegExp): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      watchers.push({ pattern, resolve, reject });
      check();
    });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  child.on('exit', (code) => {
    for (const w of watchers.splice(0)) w.reject(new Error(`${args[0] ?? command} exited (${code}) before its stderr matched ${w.pattern}:\n${err.slice(-4000)}`));
    exited.resolve(code);
  });
  const ready = waitFor(readyPattern);
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited: exited.promise,
    stderr: () => err,
    waitFor,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited.promise;
      }
    },
  };
}

/** A `cohort` daemon process (coordinator or node). */
export function cohortDaemon(args: readonly string[], readyPattern: RegExp, opts: { cwd: string; env?: NodeJS.ProcessEnv }): Daemon {
  return daemon(process.execPath, [COHORT_BIN, ...args], readyPattern, opts);
}

/** Run a command to its end. */
export function run(command: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * The Python that has the trainer SDK's dependencies: $COHORT_PYTHON, else Debian's
 * /usr/bin/python3 (where `apt-get install python3-numpy python3-protobuf` puts them),
 * else python3 on the PATH.
 */
export function python(): string {
  const fromEnv = process.env['COHORT_PYTHON'];
  if (fromEnv) return fromEnv;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** True when `python()` can import `modules`. */
export function pythonHas(...modules: string[]): boolean {
  const r = spawnSync(python(), ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' });
  return r.status === 0;
}

/** What `cohort round launch --json` prints. */
export interface RoundsDoc {
  rounds: Array<{ round: number; status: string; accuracy: number | null; loss: number | null; participants: number; epsilon?: number }>;
  final: { accuracy: number | null; epsilon?: number | null };
}

/** A federation of processes: a coordinator, one node daemon per site, an operator who launched rounds. */
export interface ProcessFederation {
  readonly doc: RoundsDoc;
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Start `cohort coordinator --model MODEL` and one `cohort node --trainer TRAINER` per site
 * (certificates in DIR/certs, operator "alice"), run `cohort round launch --json` with
 * `launchArgs`, and return its output with the federation still up (call `stop`).
 */
export async function processFederation(o: {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly name: string;
  readonly model: string;
  readonly sites: ReadonlyArray<{ readonly name: string; readonly trainer: string }>;
  readonly coordinatorArgs?: readonly string[];
  readonly launchArgs: readonly string[];
}): Promise<ProcessFederation> {
  const opts = { cwd: o.dir, env: o.env };
  const daemons: Daemon[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.stop()));
  };
  try {
    const coordinator = cohortDaemon(
      ['coordinator', '--port', '0', '--certs', 'certs', '--model', o.model, '--min-nodes', String(o.sites.length), '--data-dir', `${o.name}-data`, '--log-level', 'warn', ...(o.coordinatorArgs ?? [])],
      /listening on (127\.0\.0\.1:\d+)/,
      opts,
    );
    daemons.push(coordinator);
    const address = (await coordinator.ready)[1] as string;
    for (const s of o.sites) {
      daemons.push(cohortDaemon(['node', '--coordinator', address, '--name', s.name, '--certs', 'certs', '--trainer', s.trainer, '--data-dir', `${o.name}-${s.name}`, '--log-level', 'info'], /connected to coordinator/, opts));
    }
    await Promise.all(daemons.map((d) => d.ready));
    const launched = await run(process.execPath, [COHORT_BIN, 'round', 'launch', '--json', '--coordinator', address, '--certs', 'certs', '--name', 'alice', ...o.launchArgs], opts);
    if (launched.code !== 0) throw new Error(`round launch exited ${launched.code}: ${launched.err}\n${daemons.map((d) => d.stderr().slice(-3000)).join('\n')}`);
    return { doc: JSON.parse(launched.out) as RoundsDoc, address, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Certificates as a deployment has them, made with the real `cohort ca`: the CA in
 * `DIR/ca` (the admin workstation), everything but its key copied to `DIR/certs` (which
 * the coordinator, the sites and the operator `alice` then share on this one machine).
 */
export async function federationCerts(dir: string, nodes: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cohort = (args: string[]) => run(process.execPath, [COHORT_BIN, ...args], { cwd: dir, env });
  const must = async (args: string[]): Promise<void> => {
    const r = await cohort(args);
    if (r.code !== 0) throw new Error(`cohort ${args.join(' ')} exited ${String(r.code)}: ${r.err}`);
  };
  await must(['ca', 'init', '--dir', 'ca']);
  for (const n of nodes) await must(['ca', 'issue', n, '--role', 'node', '--dir', 'ca']);
  await must(['ca', 'issue', 'alice', '--role', 'operator', '--dir', 'ca']);
  mkdirSync(join(dir, 'certs'));
  for (const f of ['ca.crt', 'coordinator.crt', 'coordinator.key', 'revocations.json', ...[...nodes, 'alice'].flatMap((h) => [`${h}.crt`, `${h}.key`])]) {
    copyFileSync(join(dir, 'ca', f), join(dir, 'certs', f));
  }
}
