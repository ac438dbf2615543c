/** Secure aggregation (SecAgg with the SecAgg+ neighbour graph): the pure core, no transport. */
export { SecAggClient, CLIENT_TRANSITIONS, type SecAggClientDeps, type ClientStageName } from './client.js';
export { SecAggServer, SERVER_TRANSITIONS, type SecAggServerDeps, type Outgoing, type ServerStep, type ServerStageName } from './server.js';
export * from './messages.js';
export { fixedPointParams, encode, decodeSum, type FixedPointParams, type FixedPointOptions } from './fixed-point.js';
export { chooseParameters, validateParameters, buildNeighbourGraph, type SecAggParameters, type NeighbourGraph, type ChooseParametersOptions } from './graph.js';
export { keyObjectSigner, publicKeyVerifier, advertisementData, survivorListData, type SecAggSigner, type SecAggVerifier } from './signing.js';
export { certificateKeySigner, certificateVerifier } from './pki-adapter.js';
export { simulateRound, type SimulationOptions, type SimulationResult, type StageTimes } from './simulation.js';
export type { Result } from './result.js';
