/** The coordinator's durable state: open it with `openStore(dataDir, { clock, log })`. */
export {
  ABORTED_REASON,
  CHECKPOINT_DIR,
  DATABASE_FILE,
  DEFAULT_DATA_DIR,
  CoordinatorStore,
  openStore,
} from './store.js';
export type { Checkpoint, CheckpointInfo, CommitRoundArgs, Recovery, StoreOptions, StoredLaunch, StoredNode, StoredRound, StoredRoundState } from './store.js';
export type { BudgetEntry, BudgetEntryInput, LedgerEntry, LedgerNoise, RoundEntry, RoundEntryInput } from './ledger.js';
export type { ChainVerification } from '../../shared/durable/chain.js';
