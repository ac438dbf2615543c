/**
 * A trainer process for the weights-sent-once tests, speaking the contract frame by frame:
 * `node recording-trainer.js MODE TENSORS_JSON LOG_FILE`. It appends one JSON line per
 * request to LOG_FILE ({kind, sameWeights, bytes}: the weight bytes that followed it) and
 * answers with a zero delta. MODE "plain" never says keeps_weights; MODE "dies-once" says
 * it, and the first process to be started (no LOG_FILE.died yet) exits halfway through its
 * first answer.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { decodeDaemonMessage, encodeTrainerMessage, FrameReader, tensorChunkFrames, TRAINER_CONTRACT } from '../../../client/trainer/frames.js';

const [mode = 'plain', tensorsJson = '[]', logFile = ''] = process.argv.slice(2);
const tensors = JSON.parse(tensorsJson) as Array<{ name: string; shape: number[] }>;
const total = tensors.reduce((s, t) => s + t.shape.reduce((a, d) => a * d, 1), 0);
const diesNow = mode === 'dies-once' && !existsSync(`${logFile}.died`);

const channel = new Socket({ fd: 3, readable: true, writable: true });
channel.write(encodeTrainerMessage({ hello: { contract: TRAINER_CONTRACT, trainer: `recording ${mode}`, tensors, numTrainExamples: 20, numEvalExamples: 5, keepsWeights: mode !== 'plain' } }));
channel.on('end', () => process.exit(0));

const reader = new FrameReader();
let open: { kind: 'train' | 'evaluate'; id: number; sameWeights: boolean; bytes: number } | undefined;

function answer(r: NonNullable<typeof open>): void {
  appendFileSync(logFile, `${JSON.stringify({ kind: r.kind, sameWeights: r.sameWeights, bytes: r.bytes })}\n`);
  if (r.kind === 'evaluate') {
    channel.write(encodeTrainerMessage({ evaluateResult: { request: r.id, numExamples: 5, accuracy: 0.8, loss: 0.4 } }));
    return;
  }
  channel.write(encodeTrainerMessage({ trainResult: { request: r.id, kind: 'RESULT_KIND_DELTA', tensors, numExamples: 20, loss: 0.5 } }));
  const pieces = tensorChunkFrames(4, r.id, new Uint8Array(total * 4), 8);
  if (diesNow) {
    writeFileSync(`${logFile}.died`, '');
    channel.write(Buffer.concat(pieces.slice(0, Math.max(1, pieces.length >> 1))), () => process.exit(1));
    return;
  }
  for (const piece of pieces) channel.write(piece);
}

channel.on('data', (data: Buffer) => {
  for (const m of (reader.push(data) as Buffer[]).map(decodeDaemonMessage)) {
    if (m.body === 'shutdown') process.exit(0);
    const request = m.body === 'train' ? m.train : m.body === 'evaluate' ? m.evaluate : undefined;
    if (request && (m.body === 'train' || m.body === 'evaluate')) {
      open = { kind: m.body, id: request.request, sameWeights: request.sameWeights, bytes: 0 };
    } else if (m.body === 'chunk' && m.chunk && open) {
      open.bytes += m.chunk.data.length;
    }
    if (open && (open.sameWeights || open.bytes === total * 4)) {
      const done = open;
      open = undefined;
      answer(done);
    }
  }
});
