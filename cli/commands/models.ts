/** `cohort models`: the model registry — list committed checkpoints, export one. */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { CohortError } from '../../shared/errors.js';
import type { ListModelsReply__Output } from '../../shared/wire/generated/cohort/v1/ListModelsReply.js';
import type { ModelChunk__Output } from '../../shared/wire/generated/cohort/v1/ModelChunk.js';
import type { ModelInfo__Output } from '../../shared/wire/generated/cohort/v1/ModelInfo.js';
import { type AdminArgs, adminClient, adminError, adminOptions, unaryCall } from '../admin-client.js';
import { type CliIo, printJson } from '../io.js';
import { intOption, usage } from '../options.js';
import type { ModelManifest } from '../../shared/model/manifest.js';
import { encodeSafetensors } from '../../shared/model/safetensors.js';
import type { ModelSpec__Output } from '../../shared/wire/generated/cohort/v1/ModelSpec.js';
import { modelFromWire } from '../../shared/wire/model.js';

interface ListArgs extends AdminArgs {
  json?: boolean;
}

interface ExportArgs extends AdminArgs {
  out: string;
  format: string;
}

function modelJson(m: ModelInfo__Output): Record<string, unknown> {
  return {
    round: m.round,
    time: new Date(m.timeMs).toISOString(),
    accuracy: m.hasAccuracy ? m.accuracy : null,
    epsilon: m.hasEpsilon ? m.epsilon : null,
    sha256: m.sha256,
    parameters: m.numParameters,
    manifestSha256: m.manifestSha256 || null,
  };
}

/** The checkpoint's tensors: the model's manifest, which the checkpoint must name (or predate). */
function checkpointManifest(info: ModelInfo__Output, model: ModelSpec__Output | null, io: CliIo): ModelManifest {
  const manifest = modelFromWire(model).manifest;
  if (info.manifestSha256 !== '' && info.manifestSha256 !== manifest.sha256) {
    throw new CohortError('failed_precondition', `the checkpoint of round ${info.round} follows manifest ${info.manifestSha256}, not the coordinator's model (${manifest.sha256}); export it with --format raw`);
  }
  if (manifest.numParameters !== info.numParameters) {
    throw new CohortError('failed_precondition', `the checkpoint of round ${info.round} has ${info.numParameters} parameters, the coordinator's model ${manifest.numParameters}; export it with --format raw`);
  }
  if (info.manifestSha256 === '') io.err(`note: the checkpoint of round ${info.round} predates recorded manifests; its tensors are named after the coordinator's current model\n`);
  return manifest;
}

/** Fetch a checkpoint's weights, checking they hash to what the coordinator's manifest says. */
function fetchModel(args: AdminArgs, round: number, now: number): Promise<{ info: ModelInfo__Output; bytes: Buffer }> {
  const client = adminClient(args);
  return new Promise((resolve, reject) => {
    let info: ModelInfo__Output | undefined;
    const parts: Buffer[] = [];
    const call = client.ExportModel({ round }, { deadline: new Date(now + 120_000) });
    call.on('data', (c: ModelChunk__Output) => {
      if (c.body === 'info' && c.info) info = c.info;
      else if (c.body === 'data' && c.data) parts.push(c.data);
    });
    call.on('error', (err: grpc.ServiceError) => {
      client.close();
      reject(adminError(err, args.coordinator));
    });
    call.on('end', () => {
      client.close();
      const bytes = Buffer.concat(parts);
      if (!info) return reject(new CohortError('internal', 'the coordinator sent no model header'));
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (bytes.length !== info.numParameters * 4 || sha !== info.sha256) {
        return reject(new CohortError('internal', `model of round ${round} arrived damaged (sha256 ${sha}, expected ${info.sha256})`));
      }
      resolve({ info, bytes });
    });
  });
}

/** Register `cohort models`. */
export function register(program: Command, io: CliIo): void {
  const models = program.command('models').description('operator: the model registry (cohort models [list] | export ROUND --out FILE)');
  adminOptions(models.command('list', { isDefault: true }).description('committed models: round, time, accuracy, ε, sha256').option('--json', 'print one JSON object')).action(
    async (args: ListArgs) => {
      const reply = await unaryCall<ListModelsReply__Output>(args, (c, deadline, cb) => c.ListModels({}, { deadline }, cb), io.clock.now());
      const list = reply.models.map(modelJson);
      if (args.json) {
        printJson(io, { models: list });
        return;
      }
      if (list.length === 0) {
        io.out('no model committed yet\n');
        return;
      }
      io.out(`model: ${reply.model?.kind ?? '?'}, ${reply.model?.tensors.length ?? 0} tensors, manifest ${reply.model?.manifestSha256 ?? '?'}\n`);
      io.out('ROUND  TIME                      ACCURACY  EPSILON   MANIFEST      SHA256\n');
      for (const m of list) {
        const acc = m['accuracy'] === null ? '-' : (m['accuracy'] as number).toFixed(4);
        const eps = m['epsilon'] === null ? '-' : (m['epsilon'] as number).toPrecision(4);
        const manifest = m['manifestSha256'] === null ? '-' : String(m['manifestSha256']).slice(0, 12);
        io.out(`${String(m['round']).padEnd(5)}  ${String(m['time']).padEnd(24)}  ${acc.padEnd(8)}  ${eps.padEnd(8)}  ${manifest.padEnd(12)}  ${String(m['sha256'])}\n`);
      }
    },
  );
  adminOptions(
    models
      .command('export <round>')
      .description('write a model: --format safetensors writes its named tensors (PyTorch: safetensors.torch.load_file); raw writes little-endian float32 and FILE.json')
      .requiredOption('--out <file>', 'where to write the weights')
      .option('--format <format>', 'safetensors or raw', 'raw'),
  ).action(async (roundText: string, args: ExportArgs) => {
    const round = intOption('ROUND')(roundText);
    if (args.format !== 'raw' && args.format !== 'safetensors') throw usage(`--format must be safetensors or raw, got "${args.format}"`);
    const [{ info, bytes }, list] = await Promise.all([
      fetchModel(args, round, io.clock.now()),
      unaryCall<ListModelsReply__Output>(args, (c, deadline, cb) => c.ListModels({}, { deadline }, cb), io.clock.now()),
    ]);
    if (args.format === 'safetensors') {
      const manifest = checkpointManifest(info, list.model, io);
      const weights = new Float32Array(Uint8Array.from(bytes).buffer);
      const metadata: Record<string, string> = {
        format: 'pt',
        'cohort.round': String(round),
        'cohort.manifest_sha256': manifest.sha256,
        'cohort.weights_sha256': info.sha256,
        ...(info.hasAccuracy ? { 'cohort.accuracy': String(info.accuracy) } : {}),
        ...(info.hasEpsilon ? { 'cohort.epsilon': String(info.epsilon) } : {}),
      };
      writeFileSync(args.out, encodeSafetensors(manifest, weights, metadata));
      io.err(`model of round ${round} (${manifest.tensors.length} tensors, ${info.numParameters} parameters, manifest ${manifest.sha256}) written to ${args.out}\n`);
      return;
    }
    writeFileSync(args.out, bytes);
    const meta = {
      format: 'cohort-weights-v1: raw little-endian float32, the tensors of `model` one after another in its order',
      ...modelJson(info),
      model: list.model,
    };
    writeFileSync(`${args.out}.json`, `${JSON.stringify(meta, null, 2)}\n`);
    io.out(`model of round ${round} (${info.numParameters} parameters, sha256 ${info.sha256}) written to ${args.out} and ${args.out}.json\n`);
  });
}
