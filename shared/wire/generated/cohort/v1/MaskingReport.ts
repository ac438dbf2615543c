// Original file: proto/cohort/v1/cohort.proto


/**
 * Stage 3, node -> coordinator, before the masked input: the node's neighbours
 * (in the graph of its directory) whose share boxes it did not receive, so its
 * input carries no pairwise mask with them; sorted, signed (masking data
 * above). The coordinator refuses a masked input whose report has not arrived
 * and forwards every survivor's report in the SurvivorList. `sender` is empty
 * when a node sends it (the caller's certificate name is used) and set when
 * the coordinator forwards it.
 */
export interface MaskingReport {
  'sender'?: (string);
  'missingNeighbours'?: (string)[];
  'signature'?: (Buffer | Uint8Array | string);
}

/**
 * Stage 3, node -> coordinator, before the masked input: the node's neighbours
 * (in the graph of its directory) whose share boxes it did not receive, so its
 * input carries no pairwise mask with them; sorted, signed (masking data
 * above). The coordinator refuses a masked input whose report has not arrived
 * and forwards every survivor's report in the SurvivorList. `sender` is empty
 * when a node sends it (the caller's certificate name is used) and set when
 * the coordinator forwards it.
 */
export interface MaskingReport__Output {
  'sender': (string);
  'missingNeighbours': (string)[];
  'signature': (Buffer);
}
