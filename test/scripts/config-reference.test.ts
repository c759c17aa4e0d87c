import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { configReference } from '../../scripts/config-reference.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

describe('docs/config-reference.md', () => {
  it('is what `npm run docs` generates from the schema and the registry', () => {
    const committed = readFileSync(join(PROJECT_ROOT, 'docs', 'config-reference.md'), 'utf8');
    assert.ok(committed === configReference(), 'docs/config-reference.md is out of date: run `npm run docs`');
  });
});
