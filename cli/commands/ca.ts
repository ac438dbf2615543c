/** `cohort ca …`: create the federation CA, issue, revoke and list certificates. */
import type { Command } from 'commander';
import {
  CLIENT_ROLES,
  COORDINATOR_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_VALIDITY_DAYS,
  MAX_VALIDITY_DAYS,
  initCa,
  isRole,
  issue,
  listCertificates,
  revoke,
  splitSans,
  type ListedCertificate,
  type Role,
} from '../../shared/pki/index.js';
import { CohortError } from '../../shared/errors.js';
import { printJson, type CliIo } from '../io.js';
import { intOption, usage } from '../options.js';

const DEFAULT_DIR = 'certs';
const DEFAULT_SANS = 'localhost,127.0.0.1';

/** Options of `cohort ca init`. */
export interface CaInitArgs {
  dir: string;
  san: string;
  days: number;
  caDays: number;
  json?: boolean;
}

/** Options of `cohort ca issue NAME`. */
export interface CaIssueArgs {
  role: string;
  dir: string;
  days: number;
  san?: string;
  json?: boolean;
}

/** Options of `cohort ca revoke NAME` and `cohort ca list`. */
export interface CaDirArgs {
  dir: string;
  json?: boolean;
}

/** Register `cohort ca` and its subcommands. */
export function register(program: Command, io: CliIo): void {
  const ca = program.command('ca').description('federation certificate authority: create it, issue, revoke and list certificates');
  const days = intOption('--days', 1, MAX_VALIDITY_DAYS);

  ca.command('init')
    .description("create the federation CA (ca.crt, ca.key) and the coordinator's server certificate")
    .option('--dir <dir>', 'certificates directory', DEFAULT_DIR)
    .option('--san <list>', "the coordinator's host names and IP addresses, comma-separated", DEFAULT_SANS)
    .option('--days <n>', "validity of the coordinator's certificate in days", days, DEFAULT_VALIDITY_DAYS)
    .option('--ca-days <n>', 'validity of the CA certificate in days', intOption('--ca-days', 1, MAX_VALIDITY_DAYS), DEFAULT_CA_VALIDITY_DAYS)
    .option('--json', 'print one JSON object')
    .action((opts: CaInitArgs) => caInit(opts, io));

  ca.command('issue')
    .description('issue NAME.crt and NAME.key (mode 0600); issuing again rotates the key')
    .argument('<name>', 'holder name: a-z, 0-9, ".", "_", "-"')
    .requiredOption('--role <role>', `one of ${CLIENT_ROLES.join(', ')}`)
    .option('--dir <dir>', 'certificates directory', DEFAULT_DIR)
    .option('--days <n>', 'validity in days', days, DEFAULT_VALIDITY_DAYS)
    .option('--san <list>', `host names and IPs; only to renew "${COORDINATOR_NAME}" with --role coordinator`)
    .option('--json', 'print one JSON object')
    .action((name: string, opts: CaIssueArgs) => caIssue(name, opts, io));

  ca.command('revoke')
    .description('revoke every certificate issued so far to NAME; the coordinator refuses them')
    .argument('<name>', 'holder name')
    .option('--dir <dir>', 'certificates directory', DEFAULT_DIR)
    .option('--json', 'print one JSON object')
    .action((name: string, opts: CaDirArgs) => caRevoke(name, opts, io));

  ca.command('list')
    .description('list every certificate issued, with its status')
    .option('--dir <dir>', 'certificates directory', DEFAULT_DIR)
    .option('--json', 'print one JSON object')
    .action((opts: CaDirArgs) => caList(opts, io));
}

/** `cohort ca init`. */
export function caInit(args: CaInitArgs, io: CliIo): void {
  const sans = splitSans(args.san);
  if (sans.length === 0) throw usage('--san needs at least one host name or IP address, e.g. --san localhost,127.0.0.1');
  let r: ReturnType<typeof initCa>;
  try {
    r = initCa(args.dir, { sans, now: new Date(io.clock.now()), validityDays: args.days, caValidityDays: args.caDays });
  } catch (err) {
    // An existing CA in --dir is the user's choice of directory: bad usage, nothing was touched.
    if (err instanceof CohortError && err.code === 'already_exists') throw usage(err.message);
    throw err;
  }
  for (const w of r.warnings) io.err(`warning: ${w}\n`);
  const c = r.coordinator;
  if (args.json) {
    printJson(io, {
      ca: { cert: r.caCertPath, key: r.caKeyPath, serial: r.caSerial, notAfter: r.caNotAfter.toISOString() },
      coordinator: { cert: c.certPath, key: c.keyPath, serial: c.serial, notAfter: c.notAfter.toISOString(), sans },
    });
    return;
  }
  io.out(
    `created federation CA: ${r.caCertPath}, ${r.caKeyPath} (mode 0600, keep it on this host), valid until ${day(r.caNotAfter)}\n` +
      `issued coordinator certificate for ${sans.join(', ')}: ${c.certPath}, ${c.keyPath} (mode 0600), valid until ${day(c.notAfter)}\n`,
  );
}

/** `cohort ca issue NAME`. */
export function caIssue(name: string, args: CaIssueArgs, io: CliIo): void {
  const role = parseRole(args.role, name);
  let sans: string[] | undefined;
  if (args.san !== undefined) {
    if (role !== 'coordinator') throw usage(`--san applies only to the coordinator's certificate, not to --role ${role}`);
    sans = splitSans(args.san);
  }
  if (role === 'coordinator' && (sans === undefined || sans.length === 0)) {
    throw usage('renewing the coordinator certificate needs --san, e.g. --san localhost,127.0.0.1');
  }
  const r = issue(args.dir, name, role, { now: new Date(io.clock.now()), validityDays: args.days, ...(sans ? { sans } : {}) });
  if (args.json) {
    printJson(io, {
      name: r.name,
      role: r.role,
      serial: r.serial,
      notBefore: r.notBefore.toISOString(),
      notAfter: r.notAfter.toISOString(),
      cert: r.certPath,
      key: r.keyPath,
    });
    return;
  }
  io.out(
    `issued ${r.role} certificate for "${r.name}": ${r.certPath}, ${r.keyPath} (mode 0600), serial ${r.serial}, valid until ${day(r.notAfter)}\n`,
  );
}

/** `cohort ca revoke NAME`. */
export function caRevoke(name: string, args: CaDirArgs, io: CliIo): void {
  const r = revoke(args.dir, name, { now: new Date(io.clock.now()) });
  if (args.json) {
    printJson(io, { name: r.name, revokedSerials: r.revokedSerials, alreadyRevoked: r.alreadyRevoked });
    return;
  }
  const n = r.revokedSerials.length;
  io.out(
    n === 0
      ? `"${r.name}" was already revoked; nothing changed\n`
      : `revoked "${r.name}": ${n} certificate${n === 1 ? '' : 's'} (serial ${r.revokedSerials.join(', ')}) added to the revocation list in ${args.dir}\n`,
  );
}

/** `cohort ca list`. */
export function caList(args: CaDirArgs, io: CliIo): void {
  const now = io.clock.now();
  const rows = listCertificates(args.dir).map((c) => ({ ...c, status: status(c, now) }));
  if (args.json) {
    printJson(io, {
      certificates: rows.map((c) => ({
        name: c.name,
        role: c.role,
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        issuedAt: c.issuedAt,
        revoked: c.revoked,
        expired: Date.parse(c.notAfter) < now,
        current: c.current,
      })),
    });
    return;
  }
  const header = ['NAME', 'ROLE', 'SERIAL', 'NOT AFTER', 'STATUS'];
  const table = [header, ...rows.map((c) => [c.name, c.role, c.serial, c.notAfter, c.status])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) {
    io.out(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}\n`);
  }
}

function parseRole(value: string, name: string): Role {
  if (isRole(value) && (value !== 'coordinator' || name === COORDINATOR_NAME)) return value;
  throw usage(`--role must be one of ${CLIENT_ROLES.join(', ')}, got "${value}"`);
}

// Revoked outranks expired, which outranks replaced: the strongest reason a certificate is unusable.
function status(c: ListedCertificate, now: number): string {
  if (c.revoked) return 'revoked';
  if (Date.parse(c.notAfter) < now) return 'expired';
  if (!c.current) return 'replaced';
  return 'valid';
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
