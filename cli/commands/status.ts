/** `cohort status` (once, or a live view with `--watch`) and `cohort nodes`: what the coordinator is doing and who is connected. */
import type { Command } from 'commander';
import { sleep } from '../../shared/clock.js';
import { CohortError } from '../../shared/errors.js';
import type { ListNodesReply__Output } from '../../shared/wire/generated/cohort/v1/ListNodesReply.js';
import type { StatusReply__Output } from '../../shared/wire/generated/cohort/v1/StatusReply.js';
import { type AdminArgs, adminOptions, unaryCall } from '../admin-client.js';
import { declineLines, finalStatus, roundJson, roundLine } from '../format.js';
import { type CliIo, printJson } from '../io.js';
import { numberOption, usage } from '../options.js';
import { ANSI, epsilonLine, runningLine } from '../progress.js';

interface ViewArgs extends AdminArgs {
  json?: boolean;
  watch?: boolean;
  interval?: number;
}

/** Seconds between redraws of `status --watch` unless `--interval` says otherwise. */
export const DEFAULT_WATCH_INTERVAL = 2;

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s % 60).padStart(2, '0')}s`;
}

/** The compact live view of `status --watch`, one string per line. */
export function watchView(s: StatusReply__Output, nowMs: number): string[] {
  const current = s.current && !finalStatus(s.current) && s.current.stage ? s.current : undefined;
  const p = s.privacy;
  const last = s.recent.at(-1);
  const lines = [
    `cohort ${s.coordinatorVersion}  up ${s.startedAtMs > 0 ? duration(nowMs - s.startedAtMs) : '?'}  at ${new Date(nowMs).toISOString().slice(11, 19)} UTC`,
    `nodes    ${s.connectedNodes} connected / ${s.knownNodes} known`,
    `rounds   ${s.completedRounds} completed, ${s.queuedRounds} queued`,
    `current  ${current ? runningLine(current) : 'idle'}`,
    `epsilon  ${p ? epsilonLine(p.spentEpsilon, p.hasBudget ? p.budgetEpsilon : undefined, p.delta) : 'unknown'}`,
    `last     ${last ? roundLine(roundJson(last), 0, 0).replace(/ \(0\/0\)/, '') : 'none yet'}`,
  ];
  return lines;
}

/** Fetch the coordinator's status. */
function fetchStatus(args: AdminArgs, io: CliIo): Promise<StatusReply__Output> {
  return unaryCall<StatusReply__Output>(args, (c, deadline, cb) => c.GetStatus({}, { deadline }, cb), io.clock.now());
}

/**
 * Redraw the view every `interval` seconds until SIGINT/SIGTERM: in place with ANSI cursor
 * control on a terminal, as one plain snapshot per interval otherwise (logs, pipes). The
 * first fetch must succeed; later failures are shown and retried.
 */
async function watch(args: ViewArgs, io: CliIo): Promise<void> {
  const intervalMs = (args.interval ?? DEFAULT_WATCH_INTERVAL) * 1000;
  let drawn = 0;
  // The clock's timers are unref'd (a deadline never keeps a process alive), so hold the process open while the view waits.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  try {
    for (let first = true; !io.shutdown.aborted; first = false) {
      let lines: string[];
      try {
        lines = watchView(await fetchStatus(args, io), io.clock.now());
      } catch (err) {
        if (first) throw err;
        const problem = `coordinator ${args.coordinator}: ${CohortError.from(err).message} (retrying every ${intervalMs / 1000} s)`;
        if (!io.isTty) {
          io.err(`${problem}\n`);
          lines = [];
        } else lines = [problem];
      }
      if (io.isTty) {
        io.out(`${drawn > 0 ? ANSI.rewind(drawn) : ANSI.hideCursor}${lines.map((l) => `${l}\x1b[K\n`).join('')}`);
        drawn = lines.length;
      } else if (lines.length > 0) {
        io.out(`${lines.join('\n')}\n\n`);
      }
      await sleep(io.clock, intervalMs, io.shutdown).catch(() => undefined);
    }
  } finally {
    clearInterval(keepAlive);
    if (io.isTty && drawn > 0) io.out(ANSI.showCursor);
  }
}

/** Register `cohort status` and `cohort nodes`. */
export function register(program: Command, io: CliIo): void {
  adminOptions(
    program
      .command('status')
      .description('operator: rounds running, queued and recently finished')
      .option('--json', 'print one JSON object')
      .option('--watch', 'keep a live view: redrawn in place on a terminal, one snapshot per interval otherwise; stop with Ctrl-C')
      .option('--interval <s>', `seconds between refreshes of --watch (default ${DEFAULT_WATCH_INTERVAL})`, numberOption('--interval', 0.1, 3600)),
  ).action(
    async (args: ViewArgs) => {
      if (args.watch && args.json) throw usage('--watch and --json do not go together: --json prints exactly one object (poll it instead)');
      if (args.interval !== undefined && !args.watch) throw usage('--interval applies to --watch only');
      if (args.watch) {
        await watch(args, io);
        return;
      }
      const s = await fetchStatus(args, io);
      const recent = s.recent.map((e) => roundJson(e));
      const current = s.current && !finalStatus(s.current) ? { round: s.current.round, stage: s.current.stage, selected: s.current.selected, seconds: s.current.seconds } : null;
      if (args.json) {
        printJson(io, {
          coordinator: s.coordinatorVersion,
          startedAt: iso(s.startedAtMs),
          model: s.model,
          numParameters: s.numParameters,
          nodes: { connected: s.connectedNodes, known: s.knownNodes },
          current,
          queuedRounds: s.queuedRounds,
          completedRounds: s.completedRounds,
          recent,
        });
        return;
      }
      const m = s.model;
      io.out(`coordinator ${s.coordinatorVersion}, up since ${iso(s.startedAtMs) ?? '?'}\n`);
      const shape =
        m?.kind === 'tensors'
          ? `${m.tensors.length} named tensors, manifest ${m.manifestSha256.slice(0, 12)}`
          : `${m?.features ?? '?'} features, ${m?.classes ?? '?'} classes${m?.kind === 'mlp' ? `, ${m.hidden} hidden` : ''}`;
      io.out(`model       ${m?.kind ?? '?'} (${shape}), ${s.numParameters} parameters\n`);
      io.out(`nodes       ${s.connectedNodes} connected of ${s.knownNodes} known\n`);
      io.out(`rounds      ${s.completedRounds} completed, ${s.queuedRounds} queued${current ? `, round ${current.round} running (${current.stage})` : ''}\n`);
      if (recent.length > 0) {
        io.out('recent rounds:\n');
        for (const r of recent.slice(-10)) {
          io.out(`  ${roundLine(r, 0, 0).replace(/ \(0\/0\)/, '')}\n`);
          for (const line of declineLines(r)) io.out(`    ${line}\n`);
        }
      }
    },
  );

  adminOptions(program.command('nodes').description('operator: registered nodes and their connection state').option('--json', 'print one JSON object')).action(
    async (args: ViewArgs) => {
      const reply = await unaryCall<ListNodesReply__Output>(args, (c, deadline, cb) => c.ListNodes({}, { deadline }, cb), io.clock.now());
      const nodes = reply.nodes.map((n) => ({ name: n.name, status: n.status, lastSeen: iso(n.lastSeenMs), roundsParticipated: n.roundsParticipated }));
      if (args.json) {
        printJson(io, { nodes });
        return;
      }
      if (nodes.length === 0) {
        io.out('no node has connected yet\n');
        return;
      }
      const width = Math.max(4, ...nodes.map((n) => n.name.length));
      io.out(`${'NAME'.padEnd(width)}  STATUS        LAST SEEN                 ROUNDS\n`);
      for (const n of nodes) io.out(`${n.name.padEnd(width)}  ${n.status.padEnd(12)}  ${(n.lastSeen ?? '-').padEnd(24)}  ${n.roundsParticipated}\n`);
    },
  );
}
