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
import { decodeTrainerMessage, encodeDaemonMessage, FrameReader } from '../../../client/trainer/frames.js';

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
});
