import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeColumns, findColumns, parseColumnMapping } from '../../../src/data/formats/columns.js';

describe('findColumns', () => {
  it('finds the standard names in any case, the id optional', () => {
    const found = findColumns(['IDX', 'Question1', 'question2', 'label'], true);
    assert.ok(!('missing' in found));
    assert.deepEqual([found.question1, found.question2, found.label, found.id], [1, 2, 3, 0]);
    assert.deepEqual(found.used, {
      question1: 'Question1',
      question2: 'question2',
      label: 'label',
      id: 'IDX',
    });
    const noId = findColumns(['question1', 'question2', 'is_duplicate'], true);
    assert.ok(!('missing' in noId));
    assert.equal(noId.id, -1);
    assert.equal(
      describeColumns(noId.used),
      'question1=question1, question2=question2, label=is_duplicate, id=(row number)',
    );
  });

  it('takes a mapped field from its mapped name only, and names what is missing', () => {
    const mapping = { question1: 'text_a', question2: 'text_b', label: 'dup' };
    const found = findColumns(['text_a', 'text_b', 'dup'], true, mapping);
    assert.ok(!('missing' in found));
    assert.deepEqual(found.used, { question1: 'text_a', question2: 'text_b', label: 'dup', id: null });
    assert.deepEqual(findColumns(['question1', 'text_b', 'dup'], true, mapping), {
      missing: ['text_a (data.columns.question1)'],
    });
    assert.deepEqual(findColumns(['question1', 'question2', 'label'], true, { id: 'pair_id' }), {
      missing: ['pair_id (data.columns.id)'],
    });
    assert.deepEqual(findColumns(['question1', 'question2'], true), { missing: ['is_duplicate or label'] });
  });
});

describe('parseColumnMapping', () => {
  it('reads FIELD=COLUMN pairs and refuses anything else', () => {
    assert.deepEqual(parseColumnMapping('question1=text_a, question2=text_b,label=dup'), {
      question1: 'text_a',
      question2: 'text_b',
      label: 'dup',
    });
    const bad = parseColumnMapping('q1=text_a');
    assert.ok('problem' in bad);
    assert.match(
      bad.problem,
      /"q1=text_a" is not FIELD=COLUMN with FIELD one of question1, question2, label, id/,
    );
  });
});
