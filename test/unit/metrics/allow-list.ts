/**
 * The coordinator's complete metrics contract: every series family and every label it
 * may export, with the closed set of values each label may take. A per-node label, or a
 * new series, fails the tests until it is added here on purpose (and reviewed for privacy:
 * nothing derived from a single node's update or evaluation may be exported).
 */
import { ABORT_REASONS } from '../../../server/metrics/outcome.js';

/** Every metric family the coordinator exports. */
export const COORDINATOR_FAMILIES = [
  'cohort_accuracy_regression',
  'cohort_accuracy_regression_margin',
  'cohort_accuracy_regressions_total',
  'cohort_federated_accuracy',
  'cohort_federated_accuracy_best',
  'cohort_federated_loss',
  'cohort_last_round_dropouts',
  'cohort_last_round_participants',
  'cohort_last_round_selected',
  'cohort_nodes_connected',
  'cohort_nodes_known',
  'cohort_privacy_epsilon_budget',
  'cohort_privacy_epsilon_remaining',
  'cohort_privacy_epsilon_spent',
  'cohort_round_dropouts',
  'cohort_round_duration_seconds',
  'cohort_round_participants',
  'cohort_round_stage_duration_seconds',
  'cohort_rounds_aborted_total',
  'cohort_rounds_completed_total',
  'cohort_rounds_queued',
  'cohort_rounds_started_total',
  'cohort_rpc_duration_seconds',
  'cohort_rpc_received_bytes_total',
  'cohort_rpc_sent_bytes_total',
] as const;

/** Every label the coordinator's series may carry, with the values it may take (`le` is the histogram bucket bound). */
export const COORDINATOR_LABELS: Readonly<Record<string, (value: string) => boolean>> = {
  le: (v) => v === '+Inf' || Number.isFinite(Number(v)),
  state: (v) => ['completed', 'skipped', 'failed', 'refused'].includes(v),
  reason: (v) => (ABORT_REASONS as readonly string[]).includes(v),
  stage: (v) => ['wait', 'select', 'train', 'secure-aggregation', 'evaluate', 'commit'].includes(v),
  method: (v) => ['Join', 'BulkFetch', 'BulkUpdate', 'SubmitEvaluation', 'Decline', 'SecAggSend', 'LaunchRounds', 'GetStatus', 'BudgetReport', 'ListModels', 'ExportModel', 'ListNodes'].includes(v),
  code: (v) => /^[A-Z_]+$/.test(v),
};

/** Every metric family a node exports on its own endpoint (with a budget and drift checks on). */
export const NODE_FAMILIES = [
  'cohort_node_connected',
  'cohort_node_drift_alerts_total',
  'cohort_node_drift_check_failures_total',
  'cohort_node_drift_checks_total',
  'cohort_node_drift_features',
  'cohort_node_drift_psi_max',
  'cohort_node_drift_threshold',
  'cohort_node_evaluation_seconds',
  'cohort_node_evaluations_total',
  'cohort_node_privacy_epsilon_budget',
  'cohort_node_privacy_epsilon_spent',
  'cohort_node_rounds_declined_total',
  'cohort_node_rounds_trained_total',
  'cohort_node_sessions',
  'cohort_node_tasks_failed_total',
  'cohort_node_training_examples_per_second',
  'cohort_node_training_examples_total',
  'cohort_node_training_seconds',
] as const;
