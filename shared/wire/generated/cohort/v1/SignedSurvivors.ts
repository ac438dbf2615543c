// Original file: proto/cohort/v1/cohort.proto


export interface SignedSurvivors {
  'sender'?: (string);
  'signature'?: (Buffer | Uint8Array | string);
}

export interface SignedSurvivors__Output {
  'sender': (string);
  'signature': (Buffer);
}
