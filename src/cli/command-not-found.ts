import { Errors, type Hook } from '@oclif/core';
import { closestMatch } from '../util/suggest.js';
import { EXIT_CODES } from './exit-codes.js';

/**
 * oclif's `command_not_found` hook: `qqp nosuch` says so with the closest command, and with `--json`
 * it prints the one JSON error shape of every command instead of oclif's text. Exit 2 either way.
 */
const hook: Hook<'command_not_found'> = async (options) => {
  const separator = options.config.topicSeparator;
  const shown = (id: string) => id.replaceAll(':', separator);
  const near = closestMatch(options.id, options.config.commandIDs);
  const suggestions = near === undefined ? [] : [`did you mean "${shown(near)}"?`];
  const message = `command "${shown(options.id)}" not found; "${options.config.bin} --help" lists the commands`;
  if (options.argv?.includes('--json')) {
    process.exitCode = EXIT_CODES.usage;
    process.stdout.write(
      `${JSON.stringify(
        { error: { code: 'COMMAND_NOT_FOUND', category: 'usage', message, problems: [], suggestions } },
        null,
        2,
      )}\n`,
    );
    return;
  }
  throw new Errors.CLIError(message, { exit: EXIT_CODES.usage, suggestions });
};

export default hook;
