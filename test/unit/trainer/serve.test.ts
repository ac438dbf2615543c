/**
 * `serveTrainer` against a daemon side that breaks the contract on purpose (a raw fd 3,
 * not ProcessTrainer): the TypeScript trainer refuses instead of training on weights it
 * does not have.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { decodeTrainerMessage, encodeDaemonMessage, FrameReader, isChunkFrame, MAX_FRAME_BYTES } from '../../../client/trainer/frames.js';

const SCRIPT = fileURLToPath(new URL('../../helpers/trainers/scripted.js', import.meta.url));
const TENSORS = JSON.stringify([{ name: 'w', shape: [3] }]);

describe('serveTrainer (TypeScript trainer side)', function () {
  it('refuses a request that refers to the weights of a previous request when there was none, and stops without answering', async function () {
    const child = spawn(process.execPath, [SCRIPT, 'ok', TENSORS], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const channel = child.stdio[3] as Socket;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const reader = new FrameReader();
    const received: string[] = [];
    channel.on('data', (d: Buffer) => {
      for (const body of reader.push(d) as Buffer[]) received.push(decodeTrainerMessage(body).body ?? 'empty');
    });
    channel.write(encodeDaemonMessage({ train: { request: 1, round: 1, epochs: 1, batchSize: 1, learningRate: 0.1, deadlineMs: Date.now() + 60_000, sameWeights: true } }));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.notEqual(code, 0);
    assert.match(stderr, /the daemon referred to the weights of a previous request, but there was none/);
    assert.deepEqual(received, ['hello'], 'it said Hello and then nothing: no TrainResult from weights it never had');
  });

  it('takes weights in a TensorChunk laid out otherwise (data before the request id), as protobuf reads it, and trains from them', async function () {
    const child = spawn(process.execPath, [SCRIPT, 'ok', TENSORS], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const channel = child.stdio[3] as Socket;
    const reader = new FrameReader(MAX_FRAME_BYTES, 4);
    const answer = new Promise<Float32Array>((resolve) => {
      channel.on('data', (d: Buffer) => {
        for (const f of reader.push(d)) if (isChunkFrame(f)) resolve(new Float32Array(new Uint8Array(Buffer.concat(f.pieces)).buffer));
      });
    });
    const data = Buffer.from(Float32Array.of(1, 2, 3).buffer);
    // DaemonMessage.chunk (field 3) holding TensorChunk{data (2), request (1)}: fields in reverse order.
    const body = Buffer.concat([Buffer.from([0x1a, 2 + data.length + 2, 0x12, data.length]), data, Buffer.from([0x08, 1])]);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    channel.write(encodeDaemonMessage({ train: { request: 1, round: 1, epochs: 1, batchSize: 1, learningRate: 0.1, deadlineMs: Date.now() + 60_000 } }));
    channel.write(Buffer.concat([head, body]));
    const trained = await answer;
    assert.deepEqual([...trained].map((x) => Math.round(x * 100) / 100), [1.01, 2.01, 3.01]);
    channel.write(encodeDaemonMessage({ shutdown: {} }));
    await once(child, 'exit');
  });
});
