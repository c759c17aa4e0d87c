#!/usr/bin/env node
// Start-up times of the built CLI: the median wall time of each command over N runs (default 11),
// and its ratio to `node -e 0` measured in the same rounds (each round runs every command once, so
// a busy machine slows them all alike). Run `npm run build` first.
// Usage: node scripts/startup-times.mjs [N]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'run.js');
const rounds = Number(process.argv[2] ?? 11);
const commands = [
  ['node -e 0', ['-e', '0']],
  ['qqp --version', [bin, '--version']],
  ['qqp --help', [bin, '--help']],
  ['qqp runs', [bin, 'runs']],
  ['qqp config show configs/bilstm.yaml', [bin, 'config', 'show', 'configs/bilstm.yaml']],
  ['qqp validate configs/bilstm.yaml', [bin, 'validate', 'configs/bilstm.yaml']],
];

const times = commands.map(() => []);
for (let i = 0; i < rounds; i++) {
  commands.forEach(([, args], c) => {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${commands[c][0]} exited ${r.status}`);
    times[c].push(Number(process.hrtime.bigint() - start) / 1e6);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(times[0]);
for (const [c, [name]] of commands.entries()) {
  const m = median(times[c]);
  console.log(`${name.padEnd(40)} ${m.toFixed(0).padStart(6)} ms  ${(m / base).toFixed(1)}×`);
}
