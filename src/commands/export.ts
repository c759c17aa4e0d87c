import { Args, Flags } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { experimentsDirFlag, parseThreshold } from '../cli/flags.js';
import { formatBytes } from '../cli/render.js';
import { runLine } from '../cli/views/progress.js';
import type { ExportResult } from '../export/export.js';
import { DEFAULT_EXPORT_THRESHOLD } from '../export/options.js';

export default class Export extends QqpCommand<ExportResult> {
  static override summary =
    "Export a run's final model as a folder that works without qqp (Node and browsers)";
  static override description =
    "The folder holds the model in TensorFlow.js format (qqp's fused LSTM/GRU written as tfjs' own LSTM/GRU), the vocabulary and " +
    'tokenizer settings, predict.js (tokenizes exactly as qqp and predicts with plain @tensorflow/tfjs, registering the qqp layers ' +
    'tfjs lacks), and index.html, a demo page that runs offline from the folder. The folder is written whole or not at all.';
  static override examples = [
    '<%= config.bin %> export 20261128-101500-bilstm --out exported/bilstm',
    "node -e \"require('./exported/bilstm/predict.js').load(require('@tensorflow/tfjs')).then(m => console.log(m.predict('How do I learn Go?', 'How can I learn Go?')))\"",
  ];
  static override args = {
    run: Args.string({ description: 'Run folder, or run id under --experiments-dir', required: true }),
  };
  static override flags = {
    ...experimentsDirFlag,
    out: Flags.string({
      description: 'Folder to write (new or empty, or replaced with --force)',
      helpValue: 'DIR',
      required: true,
    }),
    force: Flags.boolean({ description: 'Replace --out if it exists' }),
    threshold: Flags.string({
      description: `Probability at or above which predict.js labels a pair duplicate (default ${DEFAULT_EXPORT_THRESHOLD})`,
      helpValue: 'T',
    }),
  };

  protected async execute(): Promise<ExportResult> {
    const { args, flags } = await this.parse(Export);
    const { exportRun } = await import('../export/export.js');
    return exportRun({
      run: args.run,
      experimentsDir: flags['experiments-dir'],
      out: flags.out,
      force: flags.force,
      threshold: parseThreshold(flags.threshold, DEFAULT_EXPORT_THRESHOLD),
    });
  }

  protected render(r: ExportResult): void {
    for (const n of r.run.notes) this.note(`note: ${n}`);
    const total = r.files.reduce((n, f) => n + f.bytes, 0);
    this.log(`exported ${runLine(r.run)} to ${r.out} (${r.files.length} files, ${formatBytes(total)})`);
    const stock = Object.entries(r.stock).map(([from, n]) => `${n} ${from}`);
    if (stock.length > 0) this.log(`  written as tfjs' own layers: ${stock.join(', ')}`);
    this.log(
      r.custom.length > 0
        ? `  qqp layers that predict.js registers with tfjs: ${r.custom.join(', ')}`
        : '  every layer is a stock tfjs layer',
    );
    this.log(
      `  try it: open ${r.out}/index.html, or in Node: require('${r.out}/predict.js').load(require('@tensorflow/tfjs'))`,
    );
  }
}
