import { Flags } from '@oclif/core';

/** Flags shared by the commands that read a config. */
export const configFlags = {
  set: Flags.string({
    char: 's',
    multiple: true,
    description: 'Override a config value, typed by the schema: --set training.batchSize=64 (repeatable)',
    helpValue: 'PATH=VALUE',
  }),
};

/** Where run folders live. */
export const experimentsDirFlag = {
  'experiments-dir': Flags.string({
    description: 'Folder of run folders',
    default: 'experiments',
    env: 'QQP_EXPERIMENTS_DIR',
  }),
};
