import { appendFileSync } from 'node:fs';

/**
 * Fault injection, for the crash tests (test/runs/fault-injection.test.ts). The places where a
 * crash could tear something (each step of an atomic write, each batch) call `faultPoint(name)`.
 * With `QQP_FAULT_AT=n` in the environment, the n-th call in this process kills it with SIGKILL, as
 * `kill -9` or a power cut would at that moment; with `QQP_FAULT_LOG=<file>`, each call appends its
 * number and name there, so a test can count the points of a run and choose among them.
 * Neither is set outside those tests, and then a call costs one comparison.
 */

const at = Number(process.env.QQP_FAULT_AT ?? 0);
const logFile = process.env.QQP_FAULT_LOG;
const active = at > 0 || logFile !== undefined;
let count = 0;

export function faultPoint(name: string): void {
  if (!active) return;
  count++;
  if (logFile !== undefined) appendFileSync(logFile, `${count} ${name}\n`);
  if (count === at) process.kill(process.pid, 'SIGKILL');
}
