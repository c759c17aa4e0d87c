import { Args } from '@oclif/core';
import YAML from 'yaml';
import { QqpCommand } from '../../cli/base.js';
import { configFlags } from '../../cli/flags.js';
import { loadConfig } from '../../config/load.js';
import type { ResolvedConfig } from '../../config/schema.js';

export default class ConfigShow extends QqpCommand<ResolvedConfig> {
  static override summary =
    'Print the fully resolved config: extends and --set applied, every default filled in';
  static override examples = [
    '<%= config.bin %> config show configs/bilstm.yaml',
    '<%= config.bin %> config show configs/bilstm.yaml --set training.optimizer.type=sgd --json',
  ];
  static override args = { config: Args.string({ description: 'Config file', required: true }) };
  static override flags = { ...configFlags };

  protected async execute(): Promise<ResolvedConfig> {
    const { args, flags } = await this.parse(ConfigShow);
    return loadConfig(args.config, { overrides: flags.set ?? [] }).config;
  }

  protected render(config: ResolvedConfig): void {
    this.log(YAML.stringify(config, { lineWidth: 0 }).trimEnd());
  }
}
