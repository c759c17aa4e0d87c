import { QqpCommand } from '../../cli/base.js';
import { configJsonSchema } from '../../config/validate.js';

export default class ConfigSchema extends QqpCommand<object> {
  static override summary =
    'Print the JSON Schema of configs (generated from the registry), e.g. for an editor';
  static override examples = ['<%= config.bin %> config schema > qqp.schema.json'];

  protected async execute(): Promise<object> {
    await this.parse(ConfigSchema);
    return configJsonSchema();
  }

  protected render(schema: object): void {
    this.log(JSON.stringify(schema, null, 2));
  }
}
