import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../../cli/base.js';
import { configFlags } from '../../cli/flags.js';
import { formatCount, formatShape, table } from '../../cli/render.js';
import { loadConfig } from '../../config/load.js';
import type { ConfigModelSummary } from '../../model/summary.js';

export default class ModelSummary extends QqpCommand<ConfigModelSummary> {
  static override summary =
    "Build a config's model without data and show its layers, shapes and parameter counts";
  static override examples = [
    '<%= config.bin %> model summary configs/bilstm.yaml',
    '<%= config.bin %> model summary configs/bilstm.yaml --vocab-size 20000 --json',
  ];
  static override args = { config: Args.string({ description: 'Config file', required: true }) };
  static override flags = {
    ...configFlags,
    'vocab-size': Flags.integer({
      min: 2,
      description: 'Rows of the embedding table (default: data.vocabulary.maxSize, as a placeholder)',
    }),
  };

  protected async execute(): Promise<ConfigModelSummary> {
    const { args, flags } = await this.parse(ModelSummary);
    const loaded = loadConfig(args.config, { overrides: flags.set ?? [] });
    const { summarizeConfig } = await import('../../model/summary.js');
    return summarizeConfig(loaded, flags['vocab-size']);
  }

  protected render(s: ConfigModelSummary): void {
    this.log(`Model "${s.name}" from ${s.config}`);
    this.log(
      `input: ${s.sequenceLength} token ids per sequence; vocabulary size ${formatCount(s.vocabSize)} (${s.vocabSizeSource})`,
    );
    this.log(
      table(
        ['Layer (type)', 'Output shape', 'Param #', 'Connected to'],
        s.layers.map((l) => [
          `${l.name} (${l.className})`,
          formatShape(l.outputShape),
          l.sharedWith ? `0 (shares ${l.sharedWith})` : formatCount(l.params),
          l.connectedTo.join(', '),
        ]),
        { align: ['left', 'left', 'right', 'left'] },
      ),
    );
    this.log(`Total params: ${formatCount(s.totalParams)}`);
    this.log(`Trainable params: ${formatCount(s.trainableParams)}`);
    this.log(`Non-trainable params: ${formatCount(s.nonTrainableParams)}`);
  }
}
