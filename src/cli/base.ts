import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Command, Errors, type Interfaces } from '@oclif/core';
import { QqpError, UsageError } from '../errors.js';
import { printable } from '../util/text.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';

/** What a command says and does on the signals that interrupt it. */
export interface InterruptOptions {
  /** The signals handled (default SIGINT and SIGTERM); a second one of any of them exits. */
  signals?: readonly NodeJS.Signals[];
  /** On the first signal, before the abort: stop live views, say what happens now. */
  onFirst?: (signal: NodeJS.Signals) => void;
  /** On a second signal, before exiting 130. */
  onAgain?: (signal: NodeJS.Signals) => void;
  /** Where signals come from and how to exit: the process (tests pass a stand-in). */
  host?: SignalHost;
}

/** The part of `process` the interrupt handling uses. */
export interface SignalHost {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** The two-stage signal handling of QqpCommand.interruptible, for any caller. */
export async function withInterrupts<R>(
  work: (signal: AbortSignal) => Promise<R>,
  options: InterruptOptions = {},
): Promise<R> {
  const host: SignalHost = options.host ?? process;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const controller = new AbortController();
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++received > 1) {
      options.onAgain?.(signal);
      host.exit(EXIT_CODES.interrupted);
      return;
    }
    options.onFirst?.(signal);
    controller.abort();
  };
  for (const s of signals) host.on(s, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const s of signals) host.off(s, onSignal);
  }
}

/**
 * A folder given on the command line is a folder, or can be made one: it, or else the nearest of its
 * parents that exists, is a folder (not a file). Refused with a UsageError otherwise.
 */
export function checkFolderPath(path: string, flag: string): void {
  let p = resolve(path);
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      st = undefined; // ENOTDIR: a parent is a file, found further up
    }
    if (st) {
      if (st.isDirectory()) return;
      const what =
        p === resolve(path) ? `${path} is a file, not a folder` : `${path} is inside ${p}, which is a file`;
      throw new UsageError('NOT_A_FOLDER', `${what} (${flag})`, {
        suggestions: [`give ${flag} a folder, or a path where one can be created`],
      });
    }
    const parent = dirname(p);
    if (parent === p) return;
    p = parent;
  }
}

/** An oclif usage error (unknown flag, missing argument, ...) as qqp's `--json` error shape. */
export function cliErrorJson(err: Errors.CLIError): Record<string, unknown> {
  // NonExistentFlagsError → USAGE_NON_EXISTENT_FLAGS; a plain CLIError → USAGE.
  const kind = err.constructor.name.replace(/^CLIParseError$|^CLIError$/, '').replace(/Error$/, '');
  return {
    code: kind === '' ? 'USAGE' : `USAGE_${kind.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
    category: 'usage',
    message: stripVTControlCharacters(err.message),
    problems: [],
    suggestions: err.suggestions ?? [],
  };
}

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

  /** oclif's parse, then the checks every command shares (`--experiments-dir` must be a folder). */
  protected override async parse<
    F extends Interfaces.OutputFlags<Interfaces.FlagInput>,
    B extends Interfaces.OutputFlags<Interfaces.FlagInput>,
    A extends Interfaces.OutputArgs<Interfaces.ArgInput>,
  >(options?: Interfaces.Input<F, B, A>, argv?: string[]): Promise<Interfaces.ParserOutput<F, B, A>> {
    const parsed = await super.parse<F, B, A>(options, argv);
    const dir = (parsed.flags as Record<string, unknown>)['experiments-dir'];
    if (typeof dir === 'string') checkFolderPath(dir, '--experiments-dir');
    return parsed;
  }

  /**
   * Runs `work` with Ctrl-C handled in two stages: the first signal calls `onFirst` and aborts the
   * AbortSignal `work` was given, so the library stops cleanly (finishes its batch, removes what it
   * half wrote, ...); a second calls `onAgain` and exits 130 at once. The listeners are removed
   * when `work` ends, however it ends.
   */
  protected interruptible<R>(
    work: (signal: AbortSignal) => Promise<R>,
    options?: InterruptOptions,
  ): Promise<R> {
    return withInterrupts(work, options);
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
      // Messages quote files (config keys, data lines): no terminal escapes get through.
      const safe = text
        .split('\n')
        .map((line) => printable(line, { keepTabs: true }))
        .join('\n');
      process.stderr.write(`Error: ${safe}\n`);
      process.exitCode = exit;
      return;
    }
    if (err instanceof Errors.ExitError) return super.catch(err);
    if (err instanceof Errors.CLIError) {
      // oclif's own JSON for its errors is the whole error object, parse context and all (the
      // config, home folder, package.json): give the one short shape every other error has.
      if (this.jsonEnabled()) {
        process.exitCode = err.oclif.exit ?? EXIT_CODES.usage;
        this.logJson({ error: cliErrorJson(err) });
        return;
      }
      return super.catch(err);
    }
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
