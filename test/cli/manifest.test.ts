import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { type Interfaces, Plugin } from '@oclif/core';
import { PROJECT_ROOT } from '../helpers/cli.js';

/**
 * oclif.manifest.json (written by `npm run build`, scripts/build-manifest.mjs) is what oclif reads
 * at start-up instead of importing every command: it must say what the commands themselves say.
 * Checked against a manifest made afresh from the built commands, and against the command files.
 */

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return commandFiles(p);
    return e.name.endsWith('.js') ? [p] : [];
  });
}

describe('oclif.manifest.json', () => {
  const file = JSON.parse(
    readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8'),
  ) as Interfaces.Manifest;

  it('lists every command of dist/commands, and only those', () => {
    const dir = join(PROJECT_ROOT, 'dist', 'commands');
    const ids = commandFiles(dir)
      .map((f) => relative(dir, f).replace(/\.js$/, '').split('/').join(':'))
      .sort();
    assert.deepEqual(Object.keys(file.commands).sort(), ids);
  });

  it('is the manifest the built commands give now (flags, arguments, descriptions)', async () => {
    const plugin = new Plugin({
      root: PROJECT_ROOT,
      isRoot: true,
      ignoreManifest: true,
      errorOnManifestCreate: true,
    });
    await plugin.load();
    const fresh = JSON.parse(JSON.stringify(plugin.manifest)) as Interfaces.Manifest;
    assert.equal(file.version, fresh.version);
    for (const id of Object.keys(fresh.commands)) {
      assert.deepEqual(file.commands[id], fresh.commands[id], `${id} differs: run npm run build`);
    }
    assert.deepEqual(Object.keys(file.commands).sort(), Object.keys(fresh.commands).sort());
  });

  it('gives each command the flags its class defines (and --json, from enableJsonFlag)', async () => {
    const { default: Train } = await import('../../src/commands/train.js');
    const own = Object.keys({ ...Train.baseFlags, ...Train.flags });
    assert.deepEqual(Object.keys(file.commands.train?.flags ?? {}).sort(), [...own, 'json'].sort());
  });
});
