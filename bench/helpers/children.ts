/**
 * Child processes of a benchmark: every child is tracked, killed when the benchmark is
 * done with it, and SIGKILLed if the bench process exits first. Children get an IPC
 * channel, so they also notice when the bench process dies and exit by themselves.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isCpu } from './messages.js';

const live = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Absolute path of a compiled script next to this module (e.g. `node-process.js`). */
export function helperScript(file: string): string {
  return fileURLToPath(new URL(file, import.meta.url));
}

/** The node flags on the `cohort` binary's `#!/usr/bin/env -S node FLAGS` line: the runtime users get. */
export function cohortNodeFlags(): string[] {
  const first = readFileSync(fileURLToPath(new URL('../../../bin/cohort.js', import.meta.url)), 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)$/.exec(first);
  if (!m) throw new Error(`bin/cohort.js starts with "${first}", not "#!/usr/bin/env -S node [--flags]"`);
  return (m[1] ?? '').split(' ').filter(Boolean);
}

/**
 * Fork `script` with `args` under the `cohort` binary's node flags (and `nodeFlags`), so
 * coordinators and nodes run as they do for users; stderr is inherited so a crashing child
 * is visible.
 */
export function spawnChild(script: string, args: readonly string[], nodeFlags: readonly string[] = []): ChildProcess {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [...cohortNodeFlags(), ...nodeFlags] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Resolve with the first IPC message from `child` that satisfies `accept`; reject if it exits first. */
export function waitForMessage<T>(child: ChildProcess, accept: (m: unknown) => m is T, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`child ${child.pid} sent no expected message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: unknown): void => {
      if (accept(m)) finish(undefined, m);
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`child ${child.pid} exited (code ${code}, signal ${signal}) before answering`));
    function finish(err: Error | undefined, value?: T): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** SIGTERM each child, SIGKILL those still running after `graceMs`, and wait for all to exit. */
export async function stopChildren(children: readonly ChildProcess[], graceMs = 3000): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => once(c, 'exit'));
  for (const c of running) c.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }, graceMs);
  try {
    await Promise.all(exited);
  } finally {
    clearTimeout(timer);
  }
}

/** Total CPU time in seconds that `children` (which answer `{type: 'cpu?'}`) have used so far. */
export async function childrenCpuSeconds(children: readonly ChildProcess[]): Promise<number> {
  const answers = children.map((c) => {
    const answer = waitForMessage(c, isCpu, 10_000);
    c.send({ type: 'cpu?' });
    return answer;
  });
  return (await Promise.all(answers)).reduce((sum, m) => sum + m.micros, 0) / 1e6;
}
