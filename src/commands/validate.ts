import { Args } from '@oclif/core';
import { QqpCommand } from '../cli/base.js';
import { EXIT_CODES } from '../cli/exit-codes.js';
import { configFlags } from '../cli/flags.js';
import { problemLines } from '../cli/render.js';
import type { ValidationReport } from '../model/check-files.js';

export default class Validate extends QqpCommand<ValidationReport> {
  static override summary =
    'Check configs against the schema and build their models (an ensemble spec: with its members)';
  static override description =
    'Reports every problem of every file at once, each with file:line:col, the config path, what was expected and what was found. Exits 0 when all are valid, 3 otherwise.';
  static override examples = [
    '<%= config.bin %> validate configs/*.yaml',
    '<%= config.bin %> validate configs/bilstm.yaml --set training.batchSize=64',
  ];
  static override strict = false;
  static override args = { config: Args.string({ description: 'Config file(s) to check', required: true }) };
  static override flags = { ...configFlags };

  protected async execute(): Promise<ValidationReport> {
    const { argv, flags } = await this.parse(Validate);
    const { validateFiles } = await import('../ensemble/validate.js');
    const report = await validateFiles(argv as string[], { overrides: flags.set ?? [] });
    if (!report.valid) this.resultExitCode = EXIT_CODES.config;
    return report;
  }

  protected render(report: ValidationReport): void {
    for (const f of report.files) {
      if (f.valid) this.log(`ok      ${f.file}`);
      else this.log(`invalid ${f.file}: ${f.problems.length} problem(s)\n${problemLines(f.problems)}`);
    }
    const bad = report.files.filter((f) => !f.valid).length;
    this.log(bad === 0 ? `${report.files.length} valid` : `${bad} of ${report.files.length} invalid`);
  }
}
