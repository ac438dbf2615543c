/**
 * What metrics cost a round: identical federations in one process, one with everything on
 * (round observer, RPC interceptor, byte counters, endpoint), one without, and a second one
 * without as a control (how far two identical setups differ on this machine), their rounds
 * interleaved so all see the same machine state. Nodes do framework-only work (a fixed
 * perturbation) on a 100k-parameter model, so rounds are short and any overhead shows.
 * Also: the hooks' own CPU per round (replayed, free of machine noise), a worst case with a
 * scrape in every round, and the cost of one scrape.
 */
import { get } from 'node:http';
import { PerturbWork } from '../client/core/work.js';
import { NodeDaemon } from '../client/grpc/daemon.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { silentLogger } from '../shared/logger.js';
import { builtinModel } from '../shared/model/model.js';
import { parseModelSpec } from '../shared/model/spec.js';
import { loadTlsMaterial } from '../shared/pki/ca-dir.js';
import { BenchPki } from './helpers/pki.js';
import { secureRandom } from '../shared/random.js';
import { DEFAULT_ROUND_SETTINGS } from '../server/core/coordinator.js';
import { type StartedCoordinator, startCoordinator } from '../server/main.js';
import { CoordinatorMetrics } from '../server/metrics/coordinator-metrics.js';
import { type BenchFigure, median, timeRuns } from './report.js';

const NODES = 3;
/** 9,999 features × 10 classes + 10 biases = 100,000 parameters. */
const MODEL = parseModelSpec({ kind: 'logreg', features: 9_999, classes: 10 });
/** Turns of interleaved rounds (on, off, control) for the main figures, and (on, off) for the scrape-every-round worst case. */
const TURNS = 120;
const SCRAPED_TURNS = 20;

/** Sub-millisecond round times from the coordinator's own events. */
const preciseClock: Clock = { now: () => performance.timeOrigin + performance.now(), schedule: (ms, fn) => systemClock.schedule(ms, fn) };

interface Federation {
  readonly coordinator: StartedCoordinator;
  stop(): Promise<void>;
}

async function federation(certs: string, prefix: string, metrics: boolean): Promise<Federation> {
  const coordinator = await startCoordinator(
    {
      host: '127.0.0.1',
      port: 0,
      bulkPort: 0,
      certsDir: certs,
      model: builtinModel(MODEL),
      seed: 1,
      defaults: { ...DEFAULT_ROUND_SETTINGS, minNodes: NODES, waitForNodesMs: 60_000 },
      uploadSlots: 4,
      revocationPollMs: 60_000,
      ...(metrics ? { monitoring: { endpoint: { host: '127.0.0.1', port: 0 } } } : {}),
    },
    { log: silentLogger, clock: preciseClock },
  );
  const controller = new AbortController();
  const daemons = Array.from({ length: NODES }, (_, i) => {
    const name = `${prefix}-${i}`;
    return new NodeDaemon({ address: `127.0.0.1:${coordinator.port}`, tls: loadTlsMaterial(certs, name), work: new PerturbWork(), log: silentLogger, clock: systemClock, rng: secureRandom });
  });
  const runs = daemons.map((d) => d.run(controller.signal).catch(() => undefined));
  await Promise.all(daemons.map((d) => d.when('connected')));
  return {
    coordinator,
    stop: async () => {
      controller.abort();
      await Promise.all(runs);
      await coordinator.close();
    },
  };
}

function scrape(port: number): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`/metrics answered ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** Run one round; with `scrapeAt` it also scrapes /metrics once while the round trains (the scrape's time is recorded). */
async function round(f: Federation, scrapes?: number[]): Promise<{ wall: number; cpu: number }> {
  const port = f.coordinator.monitor?.port;
  const cpu0 = process.cpuUsage();
  let scraped: Promise<void> | undefined;
  let seconds = NaN;
  for await (const e of f.coordinator.coordinator.launch({ rounds: 1, settings: {} }).events) {
    if (e.state === 'running') {
      if (scrapes && port !== undefined && e.stage === 'train') scraped = scrape(port).then((ms) => void scrapes.push(ms));
      continue;
    }
    if (e.state !== 'completed' || e.participants !== NODES) throw new Error(`round ${e.round} ${e.state}: ${e.reason ?? `${e.participants} participants`}`);
    seconds = e.seconds;
  }
  await scraped;
  const cpu = process.cpuUsage(cpu0);
  return { wall: seconds * 1000, cpu: (cpu.user + cpu.system) / 1000 };
}

/** Round times of the federations of one comparison, in the order they were given. */
interface Timings {
  /** Per federation: wall time (ms) and process CPU time (ms) of each round. */
  readonly wall: number[][];
  readonly cpu: number[][];
}

/**
 * Rounds round-robin over `feds`, one round each per turn and a rotating first, so load
 * from elsewhere on the machine hits all alike.
 */
async function interleave(feds: readonly Federation[], turns: number, scrapes?: { readonly fed: Federation; readonly into: number[] }): Promise<Timings> {
  const wall = feds.map(() => [] as number[]);
  const cpu = feds.map(() => [] as number[]);
  for (let t = 0; t < turns; t++) {
    for (let k = 0; k < feds.length; k++) {
      const i = (t + k) % feds.length;
      const f = feds[i] as Federation;
      const r = await round(f, scrapes?.fed === f ? scrapes.into : undefined);
      (wall[i] as number[]).push(r.wall);
      (cpu[i] as number[]).push(r.cpu);
    }
  }
  return { wall, cpu };
}

/**
 * CPU time of the metrics hooks alone for one round like those above (6 round events,
 * 6 finished RPCs, 27 counted messages), replayed on a coordinator's metrics: what the
 * instrumentation itself adds, without the machine's noise (grpc-js's interceptor
 * plumbing is not included).
 */
async function hooksPerRound(): Promise<number> {
  const m = new CoordinatorMetrics({ log: silentLogger });
  const base = { round: 0, selected: NODES, participants: 0, evaluated: 0, startedAtMs: 0, index: 1, of: 1 };
  const stages = ['wait', 'select', 'train', 'evaluate', 'commit'] as const;
  const replay = (round: number): void => {
    stages.forEach((stage, i) => m.observe({ ...base, round, state: 'running', stage, seconds: i * 0.01 }));
    m.observe({ ...base, round, state: 'completed', participants: NODES, evaluated: NODES, seconds: 0.05, accuracy: 0.5, loss: 1 });
    for (let i = 0; i < NODES; i++) {
      m.rpcFinished('BulkUpdate', 'OK', 0.01);
      m.rpcFinished('SubmitEvaluation', 'OK', 0.001);
      for (let c = 0; c < 4; c++) m.rpcBytes('Join', 'sent', 400_000);
      m.rpcBytes('BulkUpdate', 'received', 30);
      m.rpcBytes('BulkUpdate', 'received', 400_010);
      m.rpcBytes('SubmitEvaluation', 'received', 20);
      for (let c = 0; c < 2; c++) m.rpcBytes('BulkUpdate', 'sent', 4);
    }
  };
  const runs = await timeRuns(() => {
    for (let r = 1; r <= 1000; r++) replay(r);
  }, 7, 2);
  return median(runs) / 1000;
}

/** Round time with metrics on against the same federation with metrics off, measured in the same run, with an off/off control. */
export async function benchMetrics(): Promise<BenchFigure[]> {
  const pki = new BenchPki();
  const certs = pki.dir;
  const feds: Federation[] = [];
  try {
    for (const prefix of ['off', 'on', 'ctl']) pki.nodes(Array.from({ length: NODES }, (_, i) => `${prefix}-${i}`));
    const off = await federation(certs, 'off', false);
    feds.push(off);
    const on = await federation(certs, 'on', true);
    feds.push(on);
    // A second federation without metrics: how far two identical setups differ on this machine.
    const ctl = await federation(certs, 'ctl', false);
    feds.push(ctl);
    // Warm-up: JIT, TLS sessions and buffer pools everywhere.
    await interleave([on, off, ctl], 3);
    const main = await interleave([on, off, ctl], TURNS);
    const [wallOn, wallOff, wallCtl] = main.wall.map(median) as [number, number, number];
    const [cpuOn, cpuOff, cpuCtl] = main.cpu.map(median) as [number, number, number];
    const scrapes: number[] = [];
    const scraped = await interleave([on, off], SCRAPED_TURNS, { fed: on, into: scrapes });
    const [scrapedOn, scrapedOff] = scraped.wall.map(median) as [number, number];
    // The coordinator's side of a scrape: rendering the exposition (in production the scraper is another process).
    const registry = on.coordinator.monitor?.metrics.registry;
    const render: number[] = [];
    for (let i = 0; i < 200 && registry; i++) {
      const t0 = performance.now();
      await registry.metrics();
      render.push(performance.now() - t0);
    }
    const hooks = await hooksPerRound();
    const ms = (v: number): number => Number(v.toPrecision(4));
    const rounded = (r: number): number => Number(r.toFixed(4));
    const control = `control: a second federation with metrics off measured ${(wallCtl / wallOff).toFixed(3)}× wall, ${(cpuCtl / cpuOff).toFixed(3)}× CPU`;
    return [
      {
        section: 'metrics',
        name: `round wall time with metrics on (round observer, RPC interceptor, byte counters, endpoint listening), ${NODES} nodes, d=100k, median of ${TURNS} interleaved rounds (${control})`,
        value: ms(wallOn),
        unit: 'ms',
        baseline: ms(wallOff),
        baselineName: 'the same federation with monitoring off, rounds interleaved in the same run',
        ratio: rounded(wallOn / wallOff),
        ratioMeaning: 'value/baseline: relative cost of metrics on a round (compare with the control in the name: the noise between identical setups)',
        target: '< 1.03 (metrics cost under 3% of a round)',
        met: wallOn / wallOff < 1.03,
      },
      {
        section: 'metrics',
        name: `process CPU time per round with metrics on (coordinator and nodes share the process), median of ${TURNS} rounds`,
        value: ms(cpuOn),
        unit: 'ms',
        baseline: ms(cpuOff),
        baselineName: 'the same federation with monitoring off, same run',
        ratio: rounded(cpuOn / cpuOff),
        ratioMeaning: 'value/baseline: CPU cost of metrics, less sensitive than wall time to other load on the machine',
        target: '< 1.03',
        met: cpuOn / cpuOff < 1.03,
      },
      {
        section: 'metrics',
        name: 'CPU of the metrics hooks alone per round (6 round events, 6 RPCs, 27 messages replayed), against the median round',
        value: Number((hooks * 1000).toPrecision(3)),
        unit: 'µs',
        baseline: Number((wallOff * 1000).toPrecision(4)),
        baselineName: 'median round wall time with monitoring off (µs)',
        ratio: Number((hooks / wallOff).toPrecision(3)),
        ratioMeaning: 'value/baseline: share of a round spent in the metrics hooks',
      },
      {
        section: 'metrics',
        name: `worst case: a /metrics scrape (http.get from this process) during every round, median of ${SCRAPED_TURNS} interleaved rounds`,
        value: ms(scrapedOn),
        unit: 'ms',
        baseline: ms(scrapedOff),
        baselineName: 'the same federation with monitoring off, same run',
        ratio: rounded(scrapedOn / scrapedOff),
        ratioMeaning: 'value/baseline; Prometheus scrapes every 15 s by default, from another process, not once per round',
      },
      {
        section: 'metrics',
        name: 'coordinator CPU per scrape: rendering the /metrics exposition after the rounds above',
        value: render.length ? ms(median(render)) : 0,
        unit: 'ms',
      },
      {
        section: 'metrics',
        name: 'one /metrics scrape seen by the client during a round (queued behind round work)',
        value: scrapes.length ? ms(median(scrapes)) : 0,
        unit: 'ms',
      },
    ];
  } finally {
    for (const f of feds) await f.stop();
    pki.remove();
  }
}
