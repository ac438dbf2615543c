// Original file: proto/cohort/v1/cohort.proto


export interface PeerCertificate {
  'name'?: (string);
  'pem'?: (string);
}

export interface PeerCertificate__Output {
  'name': (string);
  'pem': (string);
}
