import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EXIT_CODES } from '../../src/cli/exit-codes.js';
import { PROJECT_ROOT, runCli, runCliJson } from '../helpers/cli.js';

/**
 * Graph models through the CLI: the shipped graph config validates and is summarized with its
 * connections; broken graphs (a cycle, an unknown input, an input the data does not provide) are
 * refused at their line and column with the config exit code, no stack trace, nothing written.
 */

const GRAPH = join(PROJECT_ROOT, 'configs', 'graph-siamese.yaml');
const root = mkdtempSync(join(tmpdir(), 'qqp-hostile-graph-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A graph config file over the bundled data; `nodes` is YAML, indented by 4. */
function graphConfig(name: string, nodes: string, data = ''): string {
  const file = join(root, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `experiment: { name: ${name} }`,
      'data:',
      `  source: ${join(PROJECT_ROOT, 'data', 'qqp-synthetic.csv')}`,
      '  encoding: { pair: separate, maxLength: 8 }',
      data,
      'model:',
      '  type: graph',
      '  nodes:',
      nodes,
      '',
    ].join('\n'),
  );
  return file;
}

function assertRefused(
  r: { code: number; stdout: string; stderr: string },
  where: RegExp,
  message: RegExp,
): void {
  assert.equal(r.code, EXIT_CODES.config, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const out = r.stdout + r.stderr;
  assert.match(out, where);
  assert.match(out, message);
  assert.doesNotMatch(out, /^ {4}at /m, `a stack trace\n${out}`);
}

describe('graph models through the CLI', () => {
  it('validates configs/graph-siamese.yaml', () => {
    const r = runCli(['validate', GRAPH]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 valid/);
  });

  it('summarizes configs/graph-siamese.yaml with each node, its connections and the siamese counts', () => {
    const r = runCli(['model', 'summary', GRAPH]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connected to/);
    assert.match(r.stdout, /embed2 \(Embedding\) .*0 \(shares embed1\) .*question2/);
    assert.match(r.stdout, /combined \(Concatenate\) .*\(None, 512\) .*u, v, diff, prod/);
    const graph = runCliJson<{ totalParams: number; layers: { name: string; connectedTo: string[] }[] }>([
      'model',
      'summary',
      GRAPH,
    ]).json;
    const siamese = runCliJson<{ totalParams: number }>([
      'model',
      'summary',
      join(PROJECT_ROOT, 'configs', 'siamese-bilstm.yaml'),
    ]).json;
    assert.equal(graph.totalParams, siamese.totalParams);
    assert.deepEqual(graph.layers.find((l) => l.name === 'v')?.connectedTo, ['embed2']);
  });

  it('refuses a cycle at the input that closes it', () => {
    const file = graphConfig(
      'cycle',
      [
        '    - { name: e, type: embedding, inputs: [question1], outputDim: 4 }',
        '    - { name: a, type: dense, units: 4, inputs: [b] }',
        '    - { name: b, type: dense, units: 4, inputs: [a] }',
        '    - { name: out, type: dense, units: 1, activation: sigmoid, inputs: [e] }',
      ].join('\n'),
    );
    for (const args of [
      ['validate', file],
      ['model', 'summary', file],
    ]) {
      assertRefused(runCli(args, { cwd: root }), /cycle\.yaml:11:\d+/, /cycle: a → b → a/);
    }
  });

  it('refuses an unknown input at its line and column, with a suggestion', () => {
    const file = graphConfig(
      'unknown',
      [
        '    - { name: e, type: embedding, inputs: [question3], outputDim: 4 }',
        '    - { name: f, type: flatten, inputs: [e] }',
        '    - { name: out, type: dense, units: 1, activation: sigmoid, inputs: [f] }',
      ].join('\n'),
    );
    const r = runCli(['validate', file], { cwd: root });
    // Line 9, the column of `question3` inside the flow list.
    assertRefused(r, /unknown\.yaml:9:44/, /unknown input "question3"/);
    assert.match(r.stdout + r.stderr, /did you mean "question1"\?/);
    const t = runCli(['train', file, '--experiments-dir', join(root, 'exp')], { cwd: root });
    assertRefused(t, /unknown\.yaml:9:44/, /unknown input "question3"/);
    assert.equal(existsSync(join(root, 'exp')), false, 'nothing written');
  });

  it('refuses the features input when the data config gives none', () => {
    const file = graphConfig(
      'features',
      [
        '    - { name: e, type: embedding, inputs: [question1], outputDim: 4 }',
        '    - { name: f, type: flatten, inputs: [e] }',
        '    - { name: c, type: concat, inputs: [f, features] }',
        '    - { name: out, type: dense, units: 1, activation: sigmoid, inputs: [c] }',
      ].join('\n'),
    );
    assertRefused(
      runCli(['validate', file], { cwd: root }),
      /features\.yaml:11:44/,
      /graph input `features` needs data\.features/,
    );
  });
});
