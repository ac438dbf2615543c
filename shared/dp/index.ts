/** Differential-privacy maths: accountants, the inverse accountant, clipping and noise. Pure, no I/O. */
export { DEFAULT_ORDERS, computeRdp, rdpToEpsilon, epsilonRdp } from './rdp.js';
export type { RdpEpsilon } from './rdp.js';
export { DEFAULT_PLD_INTERVAL, MAX_PLD_STEPS, epsilonPld, epsilonPldDiscretised } from './pld.js';
export type { PldEpsilon } from './pld.js';
export { gaussianDelta, gaussianEpsilon } from './analytic-gaussian.js';
export { NOISE_PRECISION, MIN_NOISE_MULTIPLIER, MAX_NOISE_MULTIPLIER, epsilonFor, noiseForEpsilon } from './noise-search.js';
export type { AccountantName, NoiseResult } from './noise-search.js';
export { clipL2 } from './clip.js';
export { gaussianNoise } from './gaussian.js';
export type { MechanismParams } from './params.js';
