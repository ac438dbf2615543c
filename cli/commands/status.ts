/** `cohort status` and `cohort nodes`: what the coordinator is doing and who is connected. */
import type { Command } from 'commander';
import type { ListNodesReply__Output } from '../../shared/wire/generated/cohort/v1/ListNodesReply.js';
import type { StatusReply__Output } from '../../shared/wire/generated/cohort/v1/StatusReply.js';
import { type AdminArgs, adminOptions, unaryCall } from '../admin-client.js';
import { finalStatus, roundJson, roundLine } from '../format.js';
import { type CliIo, printJson } from '../io.js';

interface ViewArgs extends AdminArgs {
  json?: boolean;
}

function iso(ms: number): string | null {
  return ms > 0 ? new Date(ms).toISOString() : null;
}

/** Register `cohort status` and `cohort nodes`. */
export function register(program: Command, io: CliIo): void {
  adminOptions(program.command('status').description('operator: rounds running, queued and recently finished').option('--json', 'print one JSON object')).action(
    async (args: ViewArgs) => {
      const s = await unaryCall<StatusReply__Output>(args, (c, deadline, cb) => c.GetStatus({}, { deadline }, cb), io.clock.now());
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
      io.out(`model       ${m?.kind ?? '?'} (${m?.features ?? '?'} features, ${m?.classes ?? '?'} classes${m?.kind === 'mlp' ? `, ${m.hidden} hidden` : ''}), ${s.numParameters} parameters\n`);
      io.out(`nodes       ${s.connectedNodes} connected of ${s.knownNodes} known\n`);
      io.out(`rounds      ${s.completedRounds} completed, ${s.queuedRounds} queued${current ? `, round ${current.round} running (${current.stage})` : ''}\n`);
      if (recent.length > 0) {
        io.out('recent rounds:\n');
        for (const r of recent.slice(-10)) io.out(`  ${roundLine(r, 0, 0).replace(/ \(0\/0\)/, '')}\n`);
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
