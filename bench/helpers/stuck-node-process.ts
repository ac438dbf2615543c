/**
 * Child entry of the hostile bench: a node (written against the contract, see
 * test/helpers/scripted-node.ts) that joins, asks for the model of each task it is sent, train or evaluate
 * (FETCH_REPEATS times, more than loopback's socket buffers hold, so an answer waits in
 * the coordinator) and never reads it, the way issue 12's node stopped reading what it
 * was sent (models now travel on the bulk channel, on request); when the coordinator drops it, it joins
 * again at once and does the same. Usage: node stuck-node-process.js PORT CERTS_DIR NAME. Sends
 * {type: 'connected'} after its first Welcome and {type: 'dropped'} each time it is
 * dropped; exits on SIGTERM or when the parent goes away.
 */
import { fetchFrame, ScriptedNode } from '../../test/helpers/scripted-node.js';
import { quietIpWarnings } from './warnings.js';

/** A model at d = 1M is 4 MB; loopback's socket buffers hold about two. */
const FETCH_REPEATS = 4;

quietIpWarnings();
const [port, certsDir, name] = process.argv.slice(2);
if (!port || !certsDir || !name) {
  process.stderr.write('usage: stuck-node-process.js PORT CERTS_DIR NAME\n');
  process.exit(2);
}
let stopping = false;
const quit = (): void => {
  stopping = true;
  process.exit(0);
};
process.on('SIGTERM', quit);
process.on('SIGINT', quit);
process.on('disconnect', quit);

async function main(): Promise<void> {
  for (let first = true; !stopping; first = false) {
    const node = await ScriptedNode.connect(certsDir as string, Number(port), name as string, { stopReading: 'bulk', capabilities: { modelKinds: [], secureAggregation: false, privacy: false } });
    if (first) process.send?.({ type: 'connected', name });
    let connected = true;
    const ended = node.ended.finally(() => (connected = false));
    // Train and evaluate tasks alike: a task it ignored would hold the round to its deadline instead.
    for (const kind of ['TASK_KIND_TRAIN', 'TASK_KIND_EVALUATE'] as const) {
      void (async () => {
        while (connected) {
          const { task } = await node.nextTask(kind, false);
          if (connected) await node.bulk.write(Buffer.concat(Array.from({ length: FETCH_REPEATS }, () => fetchFrame(task.modelVersion)))).catch(() => undefined);
        }
      })();
    }
    await ended;
    node.close();
    process.send?.({ type: 'dropped' });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`stuck-node-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
