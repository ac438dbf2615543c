import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemoryLogger } from '../../../shared/logger.js';
import { NodeMonitor } from '../../../client/metrics/monitor.js';
import { COORDINATOR_FAMILIES, NODE_FAMILIES } from './allow-list.js';
import { familyNames, parseExposition } from './exposition.js';

const ROOT = new URL('../../../../', import.meta.url);
const KNOWN = new Set<string>([...COORDINATOR_FAMILIES, ...NODE_FAMILIES]);

/** Metric names an expression uses, folded to their family (histogram series suffixes dropped). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bcohort_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, ''));
}

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

describe('dashboard and alert rules (dashboards/)', function () {
  it('the node exports exactly its allow-listed series', async function () {
    const monitor = new NodeMonitor({ drift: {} }, new MemoryLogger());
    monitor.watchData({ features: 1, x: Float32Array.from([1, 2, 3]) }, () => Promise.resolve({ features: 1, x: Float32Array.from([1, 2, 3]) }));
    monitor.bind(
      { state: 'connected', sessions: 1, agent: undefined, when: () => new Promise(() => undefined) },
      { epsilon: 2, spent: () => 0 },
    );
    assert.deepEqual(familyNames(parseExposition(await monitor.metrics.registry.metrics())), [...NODE_FAMILIES].sort());
  });

  it('the Grafana dashboard is valid JSON whose queries use only exported series', function () {
    const dash = JSON.parse(readFileSync(fileURLToPath(new URL('dashboards/cohort.json', ROOT)), 'utf8')) as { title: string; panels: Panel[]; templating: { list: { query: unknown }[] } };
    assert.equal(dash.title, 'Cohort federated learning');
    const queries = dash.panels.filter((p) => p.type !== 'row');
    assert.ok(queries.length >= 20, `${queries.length} panels`);
    const used = new Set<string>();
    for (const p of queries) {
      assert.ok(p.targets && p.targets.length > 0, `panel "${p.title}" has no query`);
      for (const t of p.targets) {
        const names = metricsIn(t.expr);
        assert.ok(names.length > 0, `panel "${p.title}": ${t.expr}`);
        for (const n of names) {
          assert.ok(KNOWN.has(n), `panel "${p.title}" uses ${n}, which nothing exports`);
          used.add(n);
        }
      }
    }
    // What the issue asks the dashboard to show.
    for (const n of ['cohort_rounds_completed_total', 'cohort_round_stage_duration_seconds', 'cohort_rpc_duration_seconds', 'cohort_last_round_participants', 'cohort_last_round_dropouts', 'cohort_federated_accuracy', 'cohort_federated_loss', 'cohort_privacy_epsilon_spent', 'cohort_privacy_epsilon_budget', 'cohort_nodes_connected']) {
      assert.ok(used.has(n), `the dashboard does not show ${n}`);
    }
  });

  it('the alert rules use only exported series', function () {
    const text = readFileSync(fileURLToPath(new URL('dashboards/alerts.yml', ROOT)), 'utf8');
    const exprs = [...text.matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1] as string);
    assert.ok(exprs.length >= 8);
    for (const e of exprs) for (const n of metricsIn(e)) assert.ok(KNOWN.has(n), `${e} uses ${n}`);
    assert.match(text, /alert: CohortAccuracyRegression\n\s+expr: cohort_accuracy_regression\{[^}]*\} == 1/);
    assert.match(text, /alert: CohortNodeInputDrift\n\s+expr: cohort_node_drift_features > 0/);
  });
});
