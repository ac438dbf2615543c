/**
 * Whole secure rounds with node daemons as separate processes (framework-only work: a
 * fixed perturbation, no training), n = 50 and d = 100k: seconds per round (median of
 * the steady rounds after a warm-up) without dropouts and with 2 nodes dropping out at
 * the masked-input stage of every round, against plain rounds of the same federation
 * measured in the same run.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { childrenCpuSeconds, helperScript, spawnChild, stopChildren, waitForMessage } from './helpers/children.js';
import { modelWithParameters, startBenchCoordinator } from './helpers/federation.js';
import { BenchPki, nodeNames } from './helpers/pki.js';
import { median, type BenchFigure } from './report.js';
import type { RoundEvent } from '../server/core/types.js';
import type { StartedCoordinator } from '../server/main.js';

const NODES = 50;
const DROPPERS = 2;
const PARAMETERS = 100_000;
const WARMUP = 1;
const ROUNDS = 5;

function isConnected(m: unknown): m is { type: 'connected' } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'connected';
}

/** Median seconds per round, and the CPU the coordinator and each node spent per round on average. */
interface Timed {
  readonly seconds: number;
  readonly coordinatorCpu: number;
  readonly nodeCpu: number;
}

/**
 * `ROUNDS` rounds after `WARMUP`, each of which must complete with `participants`.
 * Rounds are launched one by one once `connected` nodes are back, so reconnecting
 * droppers are in every round's selection.
 */
async function time(coordinator: StartedCoordinator, nodes: readonly ChildProcess[], settings: object, connected: number, participants: number): Promise<Timed> {
  const seconds: number[] = [];
  let nodes0 = 0;
  let coordinator0 = process.cpuUsage();
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    if (r === WARMUP) {
      nodes0 = await childrenCpuSeconds(nodes);
      coordinator0 = process.cpuUsage();
    }
    if (!(await coordinator.coordinator.registry.waitForConnected(connected, 60_000))) throw new Error(`fewer than ${connected} nodes connected`);
    for await (const e of coordinator.coordinator.launch({ rounds: 1, settings }).events) {
      if (e.state === 'running') continue;
      check(e, participants);
      if (r >= WARMUP) seconds.push(e.seconds);
    }
  }
  const c = process.cpuUsage(coordinator0);
  const nodeCpu = (await childrenCpuSeconds(nodes)) - nodes0;
  return { seconds: median(seconds), coordinatorCpu: (c.user + c.system) / 1e6 / ROUNDS, nodeCpu: nodeCpu / ROUNDS / nodes.length };
}

function check(e: RoundEvent, participants: number): void {
  if (e.state !== 'completed') throw new Error(`round ${e.round} ${e.state}: ${e.reason ?? ''}`);
  if (e.participants !== participants) throw new Error(`round ${e.round}: ${e.participants} participants, expected ${participants}`);
}

/** Secure vs plain rounds for n = 50, d = 100k, with 0 and 2 dropouts. */
export async function benchSecureRound(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const names = nodeNames(NODES);
  pki.nodes(names);
  const coordinator = await startBenchCoordinator(pki.dir, modelWithParameters(PARAMETERS), NODES);
  const children: ChildProcess[] = [];
  try {
    const address = `127.0.0.1:${coordinator.port}`;
    // The last two nodes leave every secure round just before sending their masked input.
    for (const [i, name] of names.entries()) {
      children.push(spawnChild(helperScript('node-process.js'), [address, pki.dir, name, ...(i >= NODES - DROPPERS ? ['masked'] : [])]));
    }
    await Promise.all(children.map((c) => waitForMessage(c, isConnected, 120_000)));
    // Droppers reconnect after each round; the next round waits until all 50 are back.
    const honest = NODES - DROPPERS;
    const plain = await time(coordinator, children, { minNodes: NODES }, NODES, NODES);
    const secureWithDrops = await time(coordinator, children, { minNodes: honest, secureAggregation: true, clipNorm: 10 }, NODES, honest);
    // The same federation without dropouts: the droppers are replaced by ordinary nodes with the same certificates.
    await stopChildren(children.splice(NODES - DROPPERS));
    const replacements = names.slice(NODES - DROPPERS).map((name) => spawnChild(helperScript('node-process.js'), [address, pki.dir, name]));
    children.push(...replacements);
    await Promise.all(replacements.map((c) => waitForMessage(c, isConnected, 120_000)));
    const plainAll = await time(coordinator, children, { minNodes: NODES }, NODES, NODES);
    const secureAll = await time(coordinator, children, { minNodes: NODES, secureAggregation: true, clipNorm: 10 }, NODES, NODES);
    const figure = (name: string, value: number, baseline: number, baselineName: string, target?: number): BenchFigure => ({
      section: 'secure-round',
      name,
      value: Number(value.toFixed(3)),
      unit: 's/round',
      baseline: Number(baseline.toFixed(3)),
      baselineName,
      ratio: Number((value / baseline).toFixed(2)),
      ratioMeaning: 'secure round time / plain round time',
      ...(target !== undefined ? { target: `≤ ${target} s`, met: value <= target } : {}),
    });
    const cpu = (name: string, unit: string, secure: number, plain: number): BenchFigure => ({
      section: 'secure-round',
      name,
      value: Number(secure.toFixed(4)),
      unit,
      baseline: Number(plain.toFixed(4)),
      baselineName: `plain round, same ${NODES} nodes`,
      ratio: Number((secure / plain).toFixed(2)),
      ratioMeaning: 'secure CPU / plain CPU',
    });
    return [
      figure(`secure round, ${NODES} node processes, d = 100k, no dropouts`, secureAll.seconds, plainAll.seconds, `plain round, same ${NODES} nodes`, 1),
      figure(`secure round, ${NODES} node processes, d = 100k, ${DROPPERS} drop out at the masked-input stage`, secureWithDrops.seconds, plain.seconds, `plain round, same ${NODES} nodes`, 1.5),
      // With 50 processes on 2 cores a round cannot be shorter than the CPU it needs divided by the cores.
      cpu(`CPU per node per secure round, ${NODES} node processes, d = 100k, no dropouts`, 'CPU s/node/round', secureAll.nodeCpu, plainAll.nodeCpu),
      cpu(`coordinator CPU per secure round, ${NODES} node processes, d = 100k, no dropouts`, 'CPU s/round', secureAll.coordinatorCpu, plainAll.coordinatorCpu),
      {
        section: 'secure-round',
        name: `CPU floor of a secure round on this machine: (coordinator + all ${NODES} nodes' CPU per round) / ${availableParallelism()} cores`,
        value: Number(((secureAll.coordinatorCpu + NODES * secureAll.nodeCpu) / availableParallelism()).toFixed(3)),
        unit: 's/round',
      },
    ];
  } finally {
    await stopChildren(children);
    await coordinator.close();
    pki.remove();
  }
}
