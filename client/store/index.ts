/** The node daemon's durable state: open it with `openNodeStore(dataDir, { clock, log })`. */
export { NODE_DATABASE_FILE, NodeStore, openNodeStore } from './node-store.js';
export type { NodeLedgerEntry, NodeStoreOptions } from './node-store.js';
export type { ChainVerification } from '../../shared/durable/chain.js';
