/** Real `cohort` processes and Python for tests that run what an operator runs. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Background, COHORT_BIN, run as runToEnd, type SpawnOptions, startCohort } from './processes.js';

export { COHORT_BIN };

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Run a command to its end (processes.ts `run`; its output as `out` and `err`). */
export async function run(command: string, args: readonly string[], opts: SpawnOptions): Promise<{ code: number | null; out: string; err: string }> {
  const f = await runToEnd(command, args, opts);
  return { code: f.code, out: f.stdout, err: f.stderr };
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
  const daemons: Background[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map((d) => d.stop()));
  };
  try {
    const coordinator = startCohort(
      ['coordinator', '--port', '0', '--certs', 'certs', '--model', o.model, '--min-nodes', String(o.sites.length), '--data-dir', `${o.name}-data`, '--log-level', 'warn', ...(o.coordinatorArgs ?? [])],
      opts,
    );
    daemons.push(coordinator);
    const address = (await coordinator.waitFor(/listening on (127\.0\.0\.1:\d+)/))[1] as string;
    const connected: Promise<RegExpMatchArray>[] = [];
    for (const s of o.sites) {
      const node = startCohort(['node', '--coordinator', address, '--name', s.name, '--certs', 'certs', '--trainer', s.trainer, '--data-dir', `${o.name}-${s.name}`, '--log-level', 'info'], opts);
      daemons.push(node);
      connected.push(node.waitFor(/connected to coordinator/));
    }
    await Promise.all(connected);
    const launched = await run(process.execPath, [COHORT_BIN, 'round', 'launch', '--json', '--coordinator', address, '--certs', 'certs', '--name', 'alice', ...o.launchArgs], opts);
    if (launched.code !== 0) throw new Error(`round launch exited ${launched.code}: ${launched.err}\n${daemons.map((d) => d.stderr.slice(-3000)).join('\n')}`);
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
