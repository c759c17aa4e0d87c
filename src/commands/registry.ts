import { Args } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { table, terminalWidth, wrapText } from '../cli/render.js';
import { REGISTRY_KINDS, type RegistryCatalog, registryCatalog } from '../registry/catalog.js';

export default class Registry extends QqpCommand<Partial<RegistryCatalog>> {
  static override summary =
    'List every component configs can name (models, layers, optimizers, losses, metrics, schedules) with its parameters';
  static override examples = [
    '<%= config.bin %> registry',
    '<%= config.bin %> registry layers',
    '<%= config.bin %> registry --json',
  ];
  static override args = {
    kind: Args.string({ description: 'Only this kind', options: [...REGISTRY_KINDS], required: false }),
  };

  protected async execute(): Promise<Partial<RegistryCatalog>> {
    const { args } = await this.parse(Registry);
    const catalog = registryCatalog();
    if (!args.kind) return catalog;
    const kind = args.kind as keyof RegistryCatalog;
    return { [kind]: catalog[kind] };
  }

  protected render(catalog: Partial<RegistryCatalog>): void {
    const width = terminalWidth();
    for (const [kind, components] of Object.entries(catalog)) {
      this.log(`\n${kind.toUpperCase()}`);
      for (const c of components) {
        this.log(
          `\n${wrapText(`${c.name}: ${c.description}`, width - 4)
            .map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`))
            .join('\n')}`,
        );
        if (c.params.length === 0) continue;
        this.log(
          table(
            ['parameter', 'takes', 'default', 'description'],
            c.params.map((p) => [
              p.name,
              p.type,
              p.required ? '(required)' : p.default === undefined ? '(optional)' : JSON.stringify(p.default),
              p.description,
            ]),
            { width: width - 2 },
          )
            .split('\n')
            .map((l) => `  ${l}`)
            .join('\n'),
        );
      }
    }
  }
}
