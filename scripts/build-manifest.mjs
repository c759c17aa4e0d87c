// Writes oclif.manifest.json, the list of commands with their flags, arguments and descriptions that
// oclif reads at start-up instead of importing every command file (each of which imports what its
// command needs). Run by `npm run build`, after tsc, from dist/commands, so it is as current as
// the build; test/cli/manifest.test.ts checks it against the commands' own definitions. It does
// what the `oclif manifest` command does, with @oclif/core's own Plugin (the `oclif` package,
// a generator and packager, is far larger than this one step).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const plugin = new Plugin({
  root,
  isRoot: true,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
const file = join(root, 'oclif.manifest.json');
writeFileSync(file, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`);
