/**
 * Transport tuning of the control plane that relies on grpc-js internals: both sides of a
 * connection open HTTP/2 flow-control windows of FLOW_CONTROL_WINDOW_BYTES (STREAM_WINDOW_BYTES
 * per stream the coordinator grants), and the Join stream of a node that stopped reading can
 * be reset. These fail if a grpc-js upgrade moves them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { constants, type ServerHttp2Session } from 'node:http2';
import { deferred } from '../../shared/async.js';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, mutualTlsChannelCredentials } from '../../client/grpc/daemon.js';
import { loadTlsMaterial } from '../../shared/pki/ca-dir.js';
import { CHANNEL_OPTIONS, FLOW_CONTROL_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../../shared/wire/proto.js';
import { mutualTlsServerCredentials } from '../../server/grpc/credentials.js';
import { http2Listeners, http2StreamOf, resetCall, widenConnectionWindows } from '../../server/grpc/listeners.js';
import { TestPki } from '../helpers/federation.js';

describe('transport tuning over grpc-js internals', () => {
  let pki: TestPki;
  let server: grpc.Server;
  let client: grpc.Client | undefined;

  before(() => {
    pki = new TestPki();
    pki.issue('hospital-a', 'node');
  });

  after(() => pki.remove());

  afterEach(() => {
    client?.close();
    server.forceShutdown();
  });

  it('widens the stream windows by setting and the connection window of every session', async () => {
    server = new grpc.Server(CHANNEL_OPTIONS);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(pki.dir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p)));
    });
    assert.equal(widenConnectionWindows(server), true);
    const listeners = http2Listeners(server);
    assert.ok(listeners && listeners.length === 1);
    const session = once(listeners[0] as NonNullable<typeof listeners>[number], 'session');

    client = new grpc.Client(`127.0.0.1:${port}`, mutualTlsChannelCredentials(loadTlsMaterial(pki.dir, 'hospital-a')), clientChannelOptions('localhost'));
    await new Promise<void>((resolve, reject) => (client as grpc.Client).waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
    const [s] = (await session) as [ServerHttp2Session];
    // Our settings count once the node has acknowledged them.
    if (s.pendingSettingsAck) await once(s, 'localSettings');

    assert.equal(s.state.localWindowSize, FLOW_CONTROL_WINDOW_BYTES, 'connection window the coordinator grants');
    assert.equal(s.localSettings.initialWindowSize, STREAM_WINDOW_BYTES, 'stream window the coordinator grants');
    assert.equal(s.remoteSettings.initialWindowSize, FLOW_CONTROL_WINDOW_BYTES, 'stream window the node grants');
  });

  it('reaches the HTTP/2 stream of a server call a client stopped reading, and resets it: the client sees RESOURCE_EXHAUSTED', async () => {
    const identity = (b: Buffer): Buffer => b;
    const path = '/cohort.test.Flow/Down';
    const definition: grpc.ServiceDefinition = {
      Down: { path, requestStream: false, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
    };
    const stuck = deferred<grpc.ServerWritableStream<Buffer, Buffer>>();
    server = new grpc.Server(CHANNEL_OPTIONS);
    server.addService(definition, {
      Down(call: grpc.ServerWritableStream<Buffer, Buffer>) {
        // Write until grpc-js stops taking frames: the client is not reading.
        const more = (): void => {
          if (call.write(Buffer.alloc(256 * 1024))) setImmediate(more);
          else stuck.resolve(call);
        };
        more();
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', mutualTlsServerCredentials(loadTlsMaterial(pki.dir, 'coordinator')), (err, p) => (err ? reject(err) : resolve(p)));
    });
    client = new grpc.Client(`127.0.0.1:${port}`, mutualTlsChannelCredentials(loadTlsMaterial(pki.dir, 'hospital-a')), clientChannelOptions('localhost'));
    const down = client.makeServerStreamRequest(path, identity, identity, Buffer.alloc(0));
    down.pause();
    const ended = new Promise<number>((resolve) => down.on('error', (err: grpc.ServiceError) => resolve(err.code)));
    const call = await stuck.promise;
    const stream = http2StreamOf(call);
    assert.ok(stream, 'grpc-js keeps the HTTP/2 stream where http2StreamOf looks');
    assert.equal(resetCall(call), true);
    assert.equal(stream.rstCode, constants.NGHTTP2_ENHANCE_YOUR_CALM);
    down.resume();
    assert.equal(await ended, grpc.status.RESOURCE_EXHAUSTED);
  });

  it('reports, rather than breaks, when the grpc-js internals it tunes are not there', () => {
    const opaque = {} as grpc.Server;
    assert.equal(http2Listeners(opaque), undefined);
    assert.equal(widenConnectionWindows(opaque), false);
    assert.equal(http2StreamOf({}), undefined);
    assert.equal(resetCall({ call: { nextCall: {} } }), false);
  });
});
