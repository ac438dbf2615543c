/** Roles and holder names: what a certificate may say about its holder. */
import { CohortError } from '../errors.js';

/** What a certificate holder may do; carried in the subject's OU. */
export type Role = 'node' | 'operator' | 'auditor' | 'coordinator';

/** Every role, in the order messages list them. */
export const ROLES: readonly Role[] = ['node', 'operator', 'auditor', 'coordinator'];

/** The roles `cohort ca issue` hands out; the coordinator's certificate comes from `cohort ca init`. */
export const CLIENT_ROLES: readonly Role[] = ['node', 'operator', 'auditor'];

/** The organisation every Cohort certificate names. */
export const FEDERATION_ORG = 'Cohort federation';

/** The name (and file stem) of the coordinator's own certificate. */
export const COORDINATOR_NAME = 'coordinator';

// These stems are the CA's own files in the certs directory; a holder with one of
// these names would overwrite them or be confused with them.
const RESERVED_NAMES: ReadonlySet<string> = new Set(['ca', COORDINATOR_NAME, 'index', 'revoked']);

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** True when `value` is one of the roles. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `name` is a well-formed holder name (reserved names included). */
export function isNameSyntaxValid(name: unknown): name is string {
  return typeof name === 'string' && NAME_PATTERN.test(name) && !name.includes('..');
}

/**
 * Check a holder name before it becomes a file name and a certificate CN: lower-case
 * letters, digits, `.`, `_`, `-`, at most 63 characters, no `..`, not a reserved name.
 */
export function validateName(name: string): string {
  if (!isNameSyntaxValid(name)) {
    throw new CohortError(
      'usage',
      `invalid name ${JSON.stringify(name)}: use 1-63 characters from a-z, 0-9, ".", "_", "-", starting with a letter or digit, without ".."`,
    );
  }
  if (RESERVED_NAMES.has(name)) {
    throw new CohortError('usage', `invalid name "${name}": ${[...RESERVED_NAMES].join(', ')} are reserved for the CA's own files`);
  }
  return name;
}

/** Check that `name` may hold `role`: only the coordinator is called "coordinator", and it alone has that role. */
export function validateHolder(name: string, role: Role): void {
  if (!isRole(role)) throw new CohortError('usage', `invalid role ${JSON.stringify(role)}: use one of ${ROLES.join(', ')}`);
  if (role === 'coordinator' || name === COORDINATOR_NAME) {
    if (role !== 'coordinator' || name !== COORDINATOR_NAME) {
      throw new CohortError('usage', `the role "coordinator" belongs to the name "${COORDINATOR_NAME}" alone`);
    }
    return;
  }
  validateName(name);
}
