// Original file: proto/cohort/v1/cohort.proto

import type { MaskingReport as _cohort_v1_MaskingReport, MaskingReport__Output as _cohort_v1_MaskingReport__Output } from '../../cohort/v1/MaskingReport.js';

/**
 * Stage 4: the nodes whose masked input is in the sum, and the masking report
 * of each of them. A node signs the list (survivors data above) only if: the
 * list is sorted, without duplicates, contains the node, has at least
 * min_survivors members, all in its directory; there is exactly one report per
 * member, each verifying, sorted, naming only neighbours of its sender, and no
 * report names a member of the list (so every two neighbours on the list
 * masked with each other); and the members' neighbour graph is connected.
 * Otherwise it refuses; below min_survivors or split it leaves the round.
 */
export interface SurvivorList {
  'survivors'?: (string)[];
  'reports'?: (_cohort_v1_MaskingReport)[];
}

/**
 * Stage 4: the nodes whose masked input is in the sum, and the masking report
 * of each of them. A node signs the list (survivors data above) only if: the
 * list is sorted, without duplicates, contains the node, has at least
 * min_survivors members, all in its directory; there is exactly one report per
 * member, each verifying, sorted, naming only neighbours of its sender, and no
 * report names a member of the list (so every two neighbours on the list
 * masked with each other); and the members' neighbour graph is connected.
 * Otherwise it refuses; below min_survivors or split it leaves the round.
 */
export interface SurvivorList__Output {
  'survivors': (string)[];
  'reports': (_cohort_v1_MaskingReport__Output)[];
}
