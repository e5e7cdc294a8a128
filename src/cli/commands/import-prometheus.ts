// The `suanli` subcommands of this module (being written).
import type { Command } from 'commander';

export function register(_parent: Command): void {}
