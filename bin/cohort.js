#!/usr/bin/env node
// grpc-js passes the target host as TLS ServerName even when it is an IP address, which
// Node flags as DEP0123 on every connection; the certificate is still checked against the
// IP SAN, so this one warning is noise for operators. Every other warning is printed.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.code !== 'DEP0123') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
