#!/usr/bin/env bash
# Regenerates the TypeScript types of the wire contract (committed, so builds need no codegen).
# The options must match PROTO_LOADER_OPTIONS in shared/wire/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf shared/wire/generated
npx proto-loader-gen-types --longs Number --enums String --defaults --oneofs --includeComments \
  --grpcLib @grpc/grpc-js -I proto -O shared/wire/generated cohort/v1/cohort.proto cohort/v1/bulk.proto
# NodeNext resolution needs explicit .js extensions on relative imports.
find shared/wire/generated -name '*.ts' -print0 | xargs -0 sed -i -E "s#from '(\.{1,2}/[^']+)'#from '\1.js'#"
