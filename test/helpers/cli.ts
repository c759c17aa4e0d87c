import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(PROJECT_ROOT, 'bin', 'run.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`bin/run.js`, as a user's `npx qqp`) in a child process.
 * `npm test` builds first, so dist/ is current.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the built CLI without waiting for it; its stdout and stderr are appended to `log`. */
export function startCli(args: string[], log: string[]): ChildProcess {
  const c = spawn(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  c.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  c.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  return c;
}

/** The exit code of a started CLI, once it has exited (null: ended by a signal). */
export function exited(c: ChildProcess): Promise<number | null> {
  return new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
}

/** Parses stdout as the one JSON document that `--json` promises. */
export function runCliJson<T = unknown>(
  args: string[],
  options?: Parameters<typeof runCli>[1],
): CliResult & { json: T } {
  const r = runCli([...args, '--json'], options);
  let json: T;
  try {
    json = JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return { ...r, json };
}

/** Where the shared real QQP samples live, when present (`../shared/data/qqp`). */
export const SHARED_QQP = join(PROJECT_ROOT, '..', 'shared', 'data', 'qqp');
