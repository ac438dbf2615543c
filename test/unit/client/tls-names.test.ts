import assert from 'node:assert/strict';
import { certificateNames, connectionFailure, isNameMismatch, nameMismatch } from '../../../client/grpc/tls-names.js';

describe('client: explaining connection failures', function () {
  it("strips grpc-js's wrapping, keeping a resolution note only when there is one", function () {
    assert.equal(
      connectionFailure("No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: 10.0.0.5. Resolution note: "),
      "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: 10.0.0.5",
    );
    assert.equal(connectionFailure('No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7999. Resolution note: DNS said no'), 'connect ECONNREFUSED 127.0.0.1:7999 (DNS said no)');
    assert.equal(connectionFailure('Connection dropped'), 'Connection dropped');
  });

  it('reads DNS names and IP addresses from a subjectAltName', function () {
    assert.deepEqual(certificateNames({ subjectaltname: 'DNS:coord.example, IP Address:10.0.0.5, DNS:localhost, IP Address:127.0.0.1' }), ['coord.example', '10.0.0.5', 'localhost', '127.0.0.1']);
    assert.deepEqual(certificateNames({}), []);
  });

  it('names the host, the certificate names and both fixes; suggests --server-name only with a DNS name to offer', function () {
    const withDns = nameMismatch('127.0.0.1', ['coord.example', '10.0.0.5']);
    assert.ok(isNameMismatch(withDns));
    assert.match(withDns, /does not name "127\.0\.0\.1", .* it names coord\.example, 10\.0\.0\.5\./);
    assert.ok(withDns.includes('cohort ca issue coordinator --role coordinator --san coord.example,10.0.0.5,127.0.0.1;'));
    assert.ok(withDns.endsWith('or connect with --server-name coord.example (a name the certificate has)'));
    const ipsOnly = nameMismatch('coord.example', ['10.0.0.5', 'localhost', '127.0.0.1']);
    assert.ok(ipsOnly.includes('--san 10.0.0.5,coord.example;'), 'localhost and 127.0.0.1 are added by the command itself');
    assert.ok(ipsOnly.endsWith('or connect to one of the addresses the certificate names'));
    assert.equal(isNameMismatch('connect ECONNREFUSED'), false);
  });
});
