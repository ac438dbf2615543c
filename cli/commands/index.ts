/** Every top-level command module, in the order `cohort --help` lists them. */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { register as ca } from './ca.js';

/** A command module adds its subcommand(s) to the program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: readonly RegisterCommand[] = [ca];
