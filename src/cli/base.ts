import { Command, Errors } from '@oclif/core';
import { QqpError } from '../errors.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';

/**
 * Base of every qqp command. A command computes a typed result in `execute()`; with `--json` that
 * result is printed as one JSON document, otherwise `render()` shows it for people. Domain errors
 * (QqpError) become a message without a stack trace and an exit code from the one table.
 */
export abstract class QqpCommand<T> extends Command {
  static override enableJsonFlag = true;

  /** Set by `execute()` when the command succeeded in running but the answer is "no" (e.g. invalid config). */
  protected resultExitCode = 0;

  protected abstract execute(): Promise<T>;

  protected abstract render(result: T): void;

  async run(): Promise<T> {
    const result = await this.execute();
    if (!this.jsonEnabled()) this.render(result);
    if (this.resultExitCode !== 0) process.exitCode = this.resultExitCode;
    return result;
  }

  /** Writes a line to stderr; progress and diagnostics go there so stdout stays the result. */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof QqpError) {
      const exit = exitCodeFor(err.category);
      if (this.jsonEnabled()) {
        process.exitCode = exit;
        this.logJson({ error: err.toJSON() });
        return;
      }
      const text = err.suggestions.length
        ? `${err.describe()}\n${err.suggestions.map((s) => `  hint: ${s}`).join('\n')}`
        : err.describe();
      // Printed as is (oclif's handler would wrap long problem lines): message only, no stack trace.
      process.stderr.write(`Error: ${text}\n`);
      process.exitCode = exit;
      return;
    }
    if (err instanceof Errors.CLIError || err instanceof Errors.ExitError) return super.catch(err);
    // Anything else is a bug in qqp: keep the stack, it is what a bug report needs.
    if (this.jsonEnabled()) {
      process.exitCode = EXIT_CODES.internal;
      this.logJson({ error: { code: 'INTERNAL', category: 'internal', message: err.message } });
      return;
    }
    process.stderr.write(`${err.stack ?? err.message}\n`);
    return this.error(`internal error: ${err.message} (this is a bug in qqp; please report it)`, {
      exit: EXIT_CODES.internal,
    });
  }
}
