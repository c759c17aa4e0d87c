import assert from 'node:assert/strict';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { RUN_FILES } from '../../src/runs/folder.js';
import { train } from '../../src/train/trainer.js';
import { PROJECT_ROOT, runCli } from '../helpers/cli.js';

/**
 * `qqp train --resume` on damaged run folders, as a crash or a careless hand leaves them: each is
 * refused with exit 6 and a message naming the file, no stack trace, metrics.jsonl as it was and
 * nothing written beside the experiments folder; a half-finished checkpoint replacement resumes.
 */

const TINY = join(PROJECT_ROOT, 'test', 'fixtures', 'configs', 'tiny.yaml');
const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-resume-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Above Linux's largest process id: the temporary names of a writer killed with -9. */
const DEAD_PID = 4_194_305;

/** A run interrupted in epoch 3 (two epochs and their checkpoint saved), made once. */
let base: { dir: string; id: string };
before(async () => {
  // At the depth of the cases' copies: config.yaml's data paths are relative to the run folder.
  const exp = join(root, 'base', 'exp');
  const r = await train({
    experimentsDir: exp,
    loaded: loadConfig(TINY),
    backend: 'cpu',
    stopAfterBatches: 9 * 2 + 4,
  });
  assert.equal(r.status, 'interrupted');
  base = { dir: r.dir, id: r.id };
});

let cases = 0;
/** A fresh parent folder holding `exp/<id>/`, a copy of the base run, damaged by `damage`. */
function damaged(damage: (run: string) => void): { dir: string; exp: string; run: string } {
  const dir = join(root, `case-${++cases}`);
  const exp = join(dir, 'exp');
  const run = join(exp, base.id);
  mkdirSync(exp, { recursive: true });
  cpSync(base.dir, run, { recursive: true });
  damage(run);
  return { dir, exp, run };
}

const cp = (run: string, file = '') => join(run, RUN_FILES.checkpoint, file);

const CASES: { what: string; damage: (run: string) => void; message: RegExp }[] = [
  {
    what: 'checkpoint/ deleted, two epochs recorded',
    damage: (run) => rmSync(cp(run), { recursive: true }),
    message: /recorded 2 epochs but has no checkpoint to resume from \(.*checkpoint is missing\)/,
  },
  {
    what: 'optimizer.bin cut short',
    damage: (run) => truncateSync(cp(run, 'optimizer.bin'), 7),
    message:
      /no complete checkpoint to resume from: .*optimizer\.bin: 7 bytes, but manifest\.json records \d+/,
  },
  {
    what: 'optimizer.bin cut short in a checkpoint without a manifest (an older version)',
    damage: (run) => {
      rmSync(cp(run, 'manifest.json'));
      truncateSync(cp(run, 'optimizer.bin'), 7);
    },
    message: /optimizer\.bin: 7 bytes, but optimizer\.json describes \d+/,
  },
  {
    what: 'state.json not JSON',
    damage: (run) => writeFileSync(cp(run, 'state.json'), '{"epochsCompleted": 2, "learn'),
    message: /state\.json: \d+ bytes, but manifest\.json records \d+/,
  },
  {
    what: 'state.json not JSON, no manifest',
    damage: (run) => {
      rmSync(cp(run, 'manifest.json'));
      writeFileSync(cp(run, 'state.json'), '{"epochsCompleted": 2, "learn');
    },
    message: /state\.json: not valid JSON/,
  },
  {
    what: 'state.json of the wrong shape, no manifest',
    damage: (run) => {
      rmSync(cp(run, 'manifest.json'));
      const state = JSON.parse(readFileSync(cp(run, 'state.json'), 'utf8'));
      writeFileSync(cp(run, 'state.json'), JSON.stringify({ ...state, records: 'none' }));
    },
    message: /state\.json: "records" should be a list of 2 epoch records/,
  },
  {
    what: 'checkpoint model weights cut short, no manifest',
    damage: (run) => {
      rmSync(cp(run, 'manifest.json'));
      truncateSync(cp(run, join('model', 'weights.bin')), 10);
    },
    message: /weights\.bin: 10 bytes, but model\.json describes \d+ bytes/,
  },
  {
    what: 'manifest.json not JSON',
    damage: (run) => writeFileSync(cp(run, 'manifest.json'), '{"files": {'),
    message: /manifest\.json: not valid JSON/,
  },
  {
    what: 'checkpoint/ gone and its replacement unfinished (no manifest)',
    damage: (run) => {
      rmSync(cp(run, 'manifest.json'));
      renameSync(cp(run), join(run, `.checkpoint.${DEAD_PID}.0badc0de.tmp`));
    },
    message:
      /no complete checkpoint to resume from: .*\.checkpoint\.\d+\.0badc0de\.tmp\/manifest\.json: missing/,
  },
  {
    what: 'a line of metrics.jsonl not JSON',
    damage: (run) => writeFileSync(join(run, RUN_FILES.metrics), '{"epoch": 1}\n{"epo\n'),
    message: /metrics\.jsonl:2: not valid JSON/,
  },
];

describe('hostile resumes', () => {
  for (const c of CASES) {
    it(`${c.what}: exit 6, the file named, no stack trace, metrics.jsonl kept`, () => {
      const { dir, exp, run } = damaged(c.damage);
      const metrics = readFileSync(join(run, RUN_FILES.metrics), 'utf8');
      const r = runCli(['train', '--resume', base.id, '--experiments-dir', exp], { cwd: dir });
      assert.equal(r.code, 6, `exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /^Error: /m);
      assert.match(r.stderr, c.message);
      assert.doesNotMatch(r.stderr, /^ {4}at /m, `a stack trace\n${r.stderr}`);
      assert.doesNotMatch(r.stdout, /^ {4}at /m);
      assert.equal(readFileSync(join(run, RUN_FILES.metrics), 'utf8'), metrics, 'metrics.jsonl changed');
      assert.deepEqual(readdirSync(dir), ['exp'], 'wrote beside the experiments folder');
      assert.deepEqual(readdirSync(exp), [base.id]);
    });
  }

  it('killed between the renames of a checkpoint replacement: resumes, says so, leaves no leftover', () => {
    const { dir, exp, run } = damaged((run) => {
      renameSync(cp(run), join(run, `.checkpoint.${DEAD_PID}.0badc0de.tmp`));
      mkdirSync(join(run, 'model', `.last.${DEAD_PID}.12345678.tmp.old`));
    });
    const r = runCli(['train', '--resume', base.id, '--experiments-dir', exp], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resuming run .* at epoch 3/);
    assert.match(
      r.stderr,
      /note: checkpoint\/: the new checkpoint of an interrupted replacement put in place/,
    );
    const lines = readFileSync(join(run, RUN_FILES.metrics), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(
      readdirSync(run).filter((n) => n.startsWith('.')),
      [],
    );
    assert.deepEqual(readdirSync(join(run, 'model')).sort(), ['best', 'last']);
    assert.deepEqual(readdirSync(dir), ['exp']);
  });
});
