import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { standardExperiments } from '../report/fixture.js';

/**
 * What the built CLI loads at start-up (ARCHITECTURE's invariant): help, the version and the
 * commands that only read (runs, compare, show, config show, registry, data stats) never load
 * tfjs, BullMQ, fastify or minisearch; no command's file loads them (each imports them when it
 * runs, and oclif reads the manifest instead of importing every command); validate loads tfjs (it builds each model) but none of the others. Each command runs in a
 * child process that records every module it loads (helpers/record-modules.mjs). Nothing here is
 * timed: the figures are in the README's "Start-up".
 */

const BIN = join(PROJECT_ROOT, 'bin', 'run.js');
const RECORDER = join(PROJECT_ROOT, 'test', 'helpers', 'record-modules.mjs');
const TFJS = /node_modules\/@tensorflow\//;
const OTHERS = /node_modules\/(bullmq|ioredis|fastify|minisearch)\//;

/** Runs `node args` and returns its exit code, output and every module file or URL it loaded. */
function loaded(args: string[]): { code: number; stdout: string; stderr: string; modules: string[] } {
  const log = join(mkdtempSync(join(tmpdir(), 'qqp-startup-')), 'modules.log');
  const r = spawnSync(process.execPath, ['--import', RECORDER, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', QQP_MODULE_LOG: log },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const modules = existsSync(log) ? [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] : [];
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, modules };
}

/** Runs the built CLI, `qqp args`, the same way. */
function loadedBy(args: string[]): ReturnType<typeof loaded> {
  return loaded([BIN, ...args]);
}

function heavy(modules: readonly string[], pattern: RegExp): string[] {
  return modules.filter((m) => pattern.test(m)).slice(0, 5);
}

describe('start-up: what commands load', () => {
  const { dir } = standardExperiments();
  const light: string[][] = [
    ['--help'],
    ['--version'],
    ['runs', '--experiments-dir', dir],
    ['compare', '--experiments-dir', dir],
    ['show', '20261102-100000-b', '--experiments-dir', dir],
    ['config', 'show', 'configs/bilstm.yaml'],
    ['config', 'schema'],
    ['registry'],
    ['registry', 'layers'],
    ['data', 'stats', 'test/fixtures/data/kaggle-plain.csv'],
  ];

  for (const args of light) {
    it(`qqp ${args.filter((a) => a !== dir).join(' ')} loads no tfjs, BullMQ, fastify or minisearch`, () => {
      const r = loadedBy(args);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.modules.length > 0, 'the recorder saw no modules');
      assert.deepEqual(heavy(r.modules, TFJS), []);
      assert.deepEqual(heavy(r.modules, OTHERS), []);
    });
  }

  it('every command defers what it needs to run: importing its file loads none of them', () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, unknown>;
    };
    const ids = Object.keys(manifest.commands);
    assert.ok(ids.includes('train') && ids.includes('serve') && ids.includes('worker'), ids.join());
    for (const id of ids) {
      const file = pathToFileURL(join(PROJECT_ROOT, 'dist', 'commands', `${id.replace(/:/g, '/')}.js`)).href;
      const r = loaded(['--input-type=module', '-e', `await import(${JSON.stringify(file)})`]);
      assert.equal(r.code, 0, `${id}: ${r.stderr}`);
      assert.ok(r.modules.includes(file), `${id}: ${file} was not loaded`);
      assert.deepEqual(heavy(r.modules, TFJS), [], id);
      assert.deepEqual(heavy(r.modules, OTHERS), [], id);
    }
  });

  it('validate builds with tfjs, but loads none of the others', () => {
    const r = loadedBy(['validate', 'configs/bilstm.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(heavy(r.modules, TFJS).length > 0, 'validate builds the model: tfjs is loaded');
    assert.deepEqual(heavy(r.modules, OTHERS), []);
    assert.deepEqual(heavy(r.modules, /node_modules\/@tensorflow\/tfjs-backend-wasm\//), []);
  });
});
