import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DATA_DIR, DATA_FILES, loadSyntheticData } from '../../../scripts/synthetic/data.js';
import { DataError, type Problem } from '../../../src/errors.js';
import { PROJECT_ROOT } from '../../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'qqp-synthetic-data-'));
after(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
/** A copy of the committed data folder with `file`'s text changed by `edit`. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = join(root, `copy-${copies++}`);
  cpSync(DATA_DIR, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  assert.notEqual(after, before, 'the edit must change the file');
  writeFileSync(path, after);
  return dir;
}

/** The problems loading `dir` reports; fails when it loads. */
function problemsOf(dir: string): { error: DataError; problems: Problem[] } {
  try {
    loadSyntheticData(dir);
  } catch (e) {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, 'SYNTHETIC_DATA');
    return { error: e, problems: e.problems };
  }
  assert.fail(`${dir} loaded without a problem`);
}

/** 1-based number of the first line of `file` in `dir` that contains `text`. */
function lineOf(dir: string, file: string, text: string): number {
  const i = readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} in ${file}`);
  return i + 1;
}

describe('synthetic data files', () => {
  it('are read from scripts/synthetic/data/, one file per kind of content', () => {
    assert.equal(DATA_DIR.replace(/\/$/, ''), join(PROJECT_ROOT, 'scripts', 'synthetic', 'data'));
    assert.deepEqual(readdirSync(DATA_DIR).sort(), Object.values(DATA_FILES).sort());
    const data = loadSyntheticData();
    assert.ok(data.families.length >= 60 && data.contexts.length > 0);
    assert.ok(data.prefixes.length > 0 && data.suffixes.length > 0);
  });

  it('fill number placeholders, leaving out a form a value has none for', () => {
    const numbers = loadSyntheticData().numbers;
    const forms = (type: string, n: number) => numbers.get(type)?.forms(n);
    assert.deepEqual(numbers.get('years')?.values, [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(forms('years', 2), ['2 years', 'two years', '2 yrs']);
    assert.deepEqual(forms('inr', 10000), ['Rs 10000', 'Rs. 10,000', '10k', '₹10000', '10,000 INR']);
    assert.deepEqual(forms('usd', 500), ['$500', '500 dollars']);
    assert.deepEqual(forms('usd', 2000), ['$2000', '2000 dollars', '$2k']);
  });

  it('report a YAML syntax error with the file and line', () => {
    const dir = brokenCopy(DATA_FILES.numbers, (t) => t.replace('["Rs {n}",', '[Rs {n},'));
    const { error, problems } = problemsOf(dir);
    assert.equal(problems.length, 1);
    const p = problems[0] as Problem;
    assert.equal(p.source, join(dir, DATA_FILES.numbers));
    assert.equal(p.line, lineOf(dir, DATA_FILES.numbers, '[Rs {n},'));
    assert.match(p.message, /^YAML: /);
    assert.match(error.describe(), new RegExp(`numbers\\.yaml:${p.line}:\\d+: YAML: `));
  });

  it('report a field of the wrong kind or name where it is written, with a correction', () => {
    const dir = brokenCopy(DATA_FILES.families, (t) =>
      t
        .replace('{ name: skill, kind: entity }', '{ name: skill, kind: entitty }')
        .replace('templates:', 'templats:'),
    );
    const { problems } = problemsOf(dir);
    const kind = problems.find((p) => p.path === '[0].slots[1].kind');
    assert.ok(kind, JSON.stringify(problems));
    assert.equal(kind.source, join(dir, DATA_FILES.families));
    assert.equal(kind.line, lineOf(dir, DATA_FILES.families, 'kind: entitty'));
    assert.match(kind.message, /must be one of entity, number, intent, negation/);
    assert.equal(kind.suggestion, 'did you mean "entity"?');
    const field = problems.find((p) => p.path === '[0].templats');
    assert.ok(field, JSON.stringify(problems));
    assert.equal(field.suggestion, 'did you mean "templates"?');
    assert.ok(problems.some((p) => p.path === '[0].templates' && /is missing \(a list\)/.test(p.message)));
  });

  it('report what the generator relies on: templates naming every slot, known types, one value per form', () => {
    const template = brokenCopy(DATA_FILES.families, (t) =>
      t.replace(
        'How do I {act:learn|teach} {skill}[ quickly|]?',
        'How do I {act:learn|teach} it[ quickly|]?',
      ),
    );
    const t = problemsOf(template).problems;
    assert.equal(t.length, 1, JSON.stringify(t));
    assert.equal(t[0]?.source, join(template, DATA_FILES.families));
    assert.equal(t[0]?.path, '[0].templates[0]');
    assert.equal(
      t[0]?.line,
      lineOf(template, DATA_FILES.families, 'How do I {act:learn|teach} it[ quickly|]?'),
    );
    assert.match(t[0]?.message ?? '', /learn-teach-skill#0: template does not mention \{skill\}/);

    const type = brokenCopy(DATA_FILES.families, (t) =>
      t.replace('{ name: skill, kind: entity }', '{ name: skill, kind: entity, type: skills }'),
    );
    assert.ok(
      problemsOf(type).problems.some((p) => /slot skill names no known entity type "skills"/.test(p.message)),
    );

    const shared = brokenCopy(DATA_FILES.entities, (t) => t.replace('[Python, Python 3]', '[Python, Java]'));
    const s = problemsOf(shared).problems;
    assert.equal(s.length, 1, JSON.stringify(s));
    assert.equal(s[0]?.source, join(shared, DATA_FILES.entities));
    assert.match(s[0]?.message ?? '', /entity lang: "Java" names two values/);
  });

  it('report what would make the generator loop or fail: repeated templates, too few values, a pair kind no family makes', () => {
    const repeated = brokenCopy(DATA_FILES.families, (t) =>
      t.replace('- Best IDE for {lang}?', '- What is the best IDE for {lang}?'),
    );
    assert.ok(problemsOf(repeated).problems.some((p) => p.message === 'ide-for-lang: templates repeat'));

    const few = brokenCopy(DATA_FILES.entities, (t) =>
      t.replace(/^lang:\n( {2}- .*\n)+/m, 'lang:\n  - [Python]\n  - [Java]\n'),
    );
    assert.ok(
      problemsOf(few).problems.some(
        (p) => p.message === 'compare-lang: 2 slots of entity type lang need more than 2 values',
      ),
    );

    const unordered = brokenCopy(DATA_FILES.families, (t) => t.replace(/^ {2}ordered: .*\n/gm, ''));
    const u = problemsOf(unordered).problems;
    assert.deepEqual(
      u.map((p) => [p.source, p.message]),
      [
        [
          join(unordered, DATA_FILES.families),
          'no family can make order pairs, which need a family with `ordered` slots',
        ],
      ],
    );
  });

  it('report an unknown number placeholder, a context without fits and a missing file', () => {
    const placeholder = brokenCopy(DATA_FILES.numbers, (t) => t.replace('"{word} years"', '"{words} years"'));
    const p = problemsOf(placeholder).problems;
    assert.ok(p.some((x) => x.path === 'types.years.forms[1]' && x.suggestion === 'did you mean "word"?'));

    const fits = brokenCopy(DATA_FILES.contexts, (t) => t.replace(/^ {2}fits: .*\n/m, ''));
    assert.ok(
      problemsOf(fits).problems.some((x) => x.path === '[0].fits' && /is missing \(a list\)/.test(x.message)),
    );

    const missing = join(root, 'missing');
    cpSync(DATA_DIR, missing, { recursive: true });
    rmSync(join(missing, DATA_FILES.surface));
    const m = problemsOf(missing).problems;
    assert.deepEqual(
      m.map((x) => [x.source, x.message]),
      [[join(missing, DATA_FILES.surface), 'no such file']],
    );
  });
});

describe('scripts/generate-synthetic.ts --data', () => {
  const run = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'generate-synthetic.ts'), ...args],
      {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      },
    );

  it('generates from another folder of data files', () => {
    const dir = brokenCopy(DATA_FILES.surface, (t) => t.replace('- Please help.', '- Please, please help.'));
    const ours = join(root, 'ours.csv');
    const theirs = join(root, 'theirs.csv');
    assert.equal(run(['--rows', '300', '--out', ours]).status, 0);
    const r = run(['--rows', '300', '--out', theirs, '--data', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!readFileSync(ours).equals(readFileSync(theirs)));
    assert.ok(readFileSync(theirs, 'utf8').includes('Please, please help.'));
  });

  it('exits 4 naming the broken file and line, and writes nothing', () => {
    const dir = brokenCopy(DATA_FILES.families, (t) =>
      t.replace('{ name: skill, kind: entity }', '{ name: skill }'),
    );
    const out = join(root, 'never.csv');
    const r = run(['--rows', '10', '--out', out, '--data', dir]);
    assert.equal(r.status, 4, r.stderr);
    const line = lineOf(dir, DATA_FILES.families, '{ name: skill }');
    assert.ok(r.stderr.includes(`${join(dir, DATA_FILES.families)}:${line}:`), r.stderr);
    assert.match(r.stderr, /\[0\]\.slots\[1\]\.kind: is missing \(one of entity, number, intent, negation\)/);
    assert.throws(() => statSync(out));
  });
});

describe('the synthetic generator', () => {
  it('lives outside the library: nothing under src/ imports scripts/', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
      });
    const src = files(join(PROJECT_ROOT, 'src'));
    assert.ok(src.length > 10);
    for (const file of src) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /from '(\.\.\/)+scripts\//, file);
      assert.doesNotMatch(text, /import\(['"](\.\.\/)+scripts\//, file);
    }
  });
});
