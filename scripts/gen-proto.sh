#!/usr/bin/env bash
# Regenerates the code of the wire contracts (committed, so builds need no codegen):
# TypeScript types of proto/cohort/v1 and proto/cohort/trainer/v1, and the Python
# module of the trainer contract for sdk/python (needs protoc: apt-get install protobuf-compiler).
# The TypeScript options must match PROTO_LOADER_OPTIONS in shared/wire/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf shared/wire/generated
npx proto-loader-gen-types --longs Number --enums String --defaults --oneofs --includeComments \
  --grpcLib @grpc/grpc-js -I proto -O shared/wire/generated cohort/v1/cohort.proto cohort/v1/bulk.proto cohort/trainer/v1/trainer.proto
# NodeNext resolution needs explicit .js extensions on relative imports.
find shared/wire/generated -name '*.ts' -print0 | xargs -0 sed -i -E "s#from '(\.{1,2}/[^']+)'#from '\1.js'#"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
protoc -I proto --python_out="$out" cohort/trainer/v1/trainer.proto
cp "$out/cohort/trainer/v1/trainer_pb2.py" sdk/python/cohort_trainer/trainer_pb2.py
