/**
 * Domain errors thrown by library code. They carry a stable code, a category that maps to an exit
 * code (see src/cli/exit-codes.ts), and suggestions for the user. Library code never prints and
 * never exits; only the command layer turns these into messages.
 */

export type ErrorCategory = 'usage' | 'config' | 'data' | 'training' | 'run' | 'network';

/** One located problem, e.g. in a config file: `configs/x.yaml:12:7 model.layers[2].units ...`. */
export interface Problem {
  /** File the problem is in, or a pseudo-source such as `--set training.batchSize=abc`. */
  source: string;
  line?: number;
  col?: number;
  /** Path inside the document, dotted with indices: `model.layers[2].units`. */
  path?: string;
  message: string;
  /** A correction, e.g. `did you mean "lstm"?`. */
  suggestion?: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.source : `${p.source}:${p.line}:${p.col ?? 1}`;
  const path = p.path ? ` ${p.path}` : '';
  const hint = p.suggestion ? ` (${p.suggestion})` : '';
  return `${where}${path}: ${p.message}${hint}`;
}

export class QqpError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly suggestions: string[];
  readonly problems: Problem[];

  constructor(
    category: ErrorCategory,
    code: string,
    message: string,
    options: { suggestions?: string[]; problems?: Problem[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.category = category;
    this.code = code;
    this.suggestions = options.suggestions ?? [];
    this.problems = options.problems ?? [];
  }

  /** The full text a user sees: the message, then one line per problem. */
  describe(): string {
    const lines = [this.message, ...this.problems.map((p) => `  ${formatProblem(p)}`)];
    return lines.join('\n');
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      category: this.category,
      message: this.message,
      problems: this.problems,
      suggestions: this.suggestions,
    };
  }
}

export class UsageError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('usage', code, message, options);
  }
}

export class ConfigError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('config', code, message, options);
  }
}

export class DataError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('data', code, message, options);
  }
}

export class TrainingError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('training', code, message, options);
  }
}

export class RunError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('run', code, message, options);
  }
}

export class NetworkError extends QqpError {
  constructor(code: string, message: string, options?: ConstructorParameters<typeof QqpError>[3]) {
    super('network', code, message, options);
  }
}
