import assert from 'node:assert/strict';
import {
  existsSync,
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
import { after, describe, it } from 'node:test';
import {
  checkDir,
  DIR_MANIFEST,
  leftovers,
  recoverDir,
  removeFileLeftovers,
  replaceDirAtomic,
  writeFileAtomic,
} from '../../src/util/atomic.js';

const root = mkdtempSync(join(tmpdir(), 'qqp-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function scratch(): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  return dir;
}

/** Above Linux's largest process id (2^22), so no process has it: the leftovers of a killed writer. */
const DEAD_PID = 4_194_305;

/** A folder replaced once with `text` in a.txt (sealed), then renamed to `name` beside `path`. */
function sealedAs(path: string, text: string, name?: string): string {
  const staging = `${path}-staging-${++n}`;
  replaceDirAtomic(staging, (d) => writeFileSync(join(d, 'a.txt'), text), { text });
  const target = name ? join(path, '..', name) : path;
  renameSync(staging, target);
  return target;
}

const base = (path: string) => path.split('/').pop() ?? '';
const tmpName = (path: string, hex: string) => `.${base(path)}.${DEAD_PID}.${hex}.tmp`;
const content = (path: string) => readFileSync(join(path, 'a.txt'), 'utf8');

describe('atomic writes', () => {
  it('writes a file whole and leaves no temporary file', () => {
    const dir = scratch();
    const file = join(dir, 'sub', 'x.json');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, 'two');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['x.json']);
  });

  it('seals a replaced folder with a manifest of each file, its size and sha256, written last', () => {
    const dir = scratch();
    const path = join(dir, 'model');
    replaceDirAtomic(
      path,
      (d) => {
        writeFileSync(join(d, 'w.bin'), new Uint8Array([1, 2, 3]));
        mkdirSync(join(d, 'inner'));
        writeFileSync(join(d, 'inner', 'x.json'), '{}');
      },
      { epoch: 4 },
    );
    const manifest = JSON.parse(readFileSync(join(path, DIR_MANIFEST), 'utf8'));
    assert.deepEqual(Object.keys(manifest.files).sort(), [join('inner', 'x.json'), 'w.bin']);
    assert.equal(manifest.files['w.bin'].bytes, 3);
    assert.match(manifest.files['w.bin'].sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(manifest.info, { epoch: 4 });
    const check = checkDir(path);
    assert.ok(check.complete);
    // Replaced again: the old folder is gone, no temporary name is left.
    replaceDirAtomic(path, (d) => writeFileSync(join(d, 'w.bin'), 'new'));
    assert.deepEqual(readdirSync(dir), ['model']);
  });

  it('tells a cut-short, changed or unsealed folder from a complete one, naming the file', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'x'), 'hello');
    truncateSync(join(path, 'a.txt'), 2);
    const cut = checkDir(path);
    assert.ok(
      !cut.complete && /a\.txt: 2 bytes, but manifest\.json records 5/.test(cut.problem),
      String(!cut.complete && cut.problem),
    );
    writeFileSync(join(path, 'a.txt'), 'HELLO');
    const changed = checkDir(path);
    assert.ok(!changed.complete && /sha256 differs/.test(changed.problem));
    rmSync(join(path, DIR_MANIFEST));
    const unsealed = checkDir(path);
    assert.ok(!unsealed.complete && unsealed.manifestMissing);
  });

  it('fails a replacement whose fill throws, leaving the old folder and no temporary one', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'x'), 'old');
    assert.throws(() =>
      replaceDirAtomic(path, () => {
        throw new Error('disk full');
      }),
    );
    assert.equal(content(path), 'old');
    assert.deepEqual(readdirSync(dir), ['x']);
  });
});

describe('recoverDir: the states a kill -9 during a replacement leaves', () => {
  it('killed between the two renames (no folder, new .tmp and previous .tmp.old): the new one takes the name', () => {
    const dir = scratch();
    const path = join(dir, 'checkpoint');
    sealedAs(path, 'previous', `${tmpName(path, 'aaaaaaaa')}.old`);
    sealedAs(path, 'new', tmpName(path, 'bbbbbbbb'));
    const r = recoverDir(path);
    assert.equal(r.outcome, 'recovered-new');
    assert.equal(content(path), 'new');
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
    assert.equal(r.removed.length, 1);
  });

  it('killed while filling the new one (no manifest yet) after the old was moved aside: the previous one comes back', () => {
    const dir = scratch();
    const path = join(dir, 'checkpoint');
    sealedAs(path, 'previous', `${tmpName(path, 'aaaaaaaa')}.old`);
    const partial = join(dir, tmpName(path, 'bbbbbbbb'));
    mkdirSync(partial);
    writeFileSync(join(partial, 'a.txt'), 'ne');
    const r = recoverDir(path);
    assert.equal(r.outcome, 'recovered-previous');
    assert.equal(content(path), 'previous');
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
  });

  it('killed while filling, the current folder untouched: it is kept and the orphan removed', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'last'), 'current');
    mkdirSync(join(dir, tmpName(path, 'cccccccc')));
    mkdirSync(join(dir, `${tmpName(path, 'dddddddd')}.old`));
    const r = recoverDir(path);
    assert.equal(r.outcome, 'kept');
    assert.equal(content(path), 'current');
    assert.deepEqual(readdirSync(dir), ['last']);
    assert.equal(r.removed.length, 2);
  });

  it('a sealed new folder beside the current one (killed before the first rename): the new one wins', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'checkpoint'), 'current');
    sealedAs(path, 'new', tmpName(path, 'eeeeeeee'));
    assert.equal(recoverDir(path).outcome, 'recovered-new');
    assert.equal(content(path), 'new');
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
  });

  it('nothing complete: nothing is removed, and the problems say why', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'checkpoint'), 'current');
    truncateSync(join(path, 'a.txt'), 1);
    const partial = join(dir, tmpName(path, 'ffffffff'));
    mkdirSync(partial);
    const r = recoverDir(path);
    assert.equal(r.outcome, 'none');
    assert.ok(
      r.problems.some((p) => p.includes('a.txt: 1 bytes')),
      r.problems.join('\n'),
    );
    assert.ok(existsSync(partial));
    assert.ok(existsSync(path));
  });

  it('a folder without a manifest counts only when the caller says it is complete (older versions)', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'model'), 'legacy');
    rmSync(join(path, DIR_MANIFEST));
    assert.equal(recoverDir(path).outcome, 'none');
    assert.equal(recoverDir(path, (d) => (existsSync(join(d, 'a.txt')) ? null : 'no a.txt')).outcome, 'kept');
    // An unsealed temporary folder is never complete, whatever the caller says.
    rmSync(path, { recursive: true });
    const partial = join(dir, tmpName(path, '12345678'));
    mkdirSync(partial);
    writeFileSync(join(partial, 'a.txt'), 'x');
    assert.equal(recoverDir(path, () => null).outcome, 'none');
  });

  it('leaves alone the temporary names of a process that is still running', () => {
    const dir = scratch();
    const path = sealedAs(join(dir, 'last'), 'current');
    const live = join(dir, `.last.${process.ppid}.abcdef01.tmp`);
    mkdirSync(live);
    assert.deepEqual(leftovers(path), { fresh: [], previous: [] });
    recoverDir(path);
    assert.ok(existsSync(live));
  });

  it('removes the temporary files of interrupted file writes', () => {
    const dir = scratch();
    const file = join(dir, 'run.json');
    writeFileSync(file, '{}');
    const orphan = join(dir, `.run.json.${DEAD_PID}.0badc0de.tmp`);
    writeFileSync(orphan, '{"half');
    assert.deepEqual(removeFileLeftovers(file), [orphan]);
    assert.deepEqual(readdirSync(dir), ['run.json']);
  });
});
