/** Every top-level command module, in the order `cohort --help` lists them. */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { register as budget } from './budget.js';
import { register as ca } from './ca.js';
import { register as coordinator } from './coordinator.js';
import { register as data } from './data.js';
import { register as demo } from './demo.js';
import { register as models } from './models.js';
import { register as node } from './node.js';
import { register as privacy } from './privacy.js';
import { register as round } from './round.js';
import { register as status } from './status.js';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: readonly RegisterCommand[] = [demo, ca, coordinator, node, round, status, models, budget, privacy, data];
