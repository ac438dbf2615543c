// Original file: proto/cohort/v1/cohort.proto


export interface RevealedShare {
  'owner'?: (string);
  'share'?: (Buffer | Uint8Array | string);
}

export interface RevealedShare__Output {
  'owner': (string);
  'share': (Buffer);
}
