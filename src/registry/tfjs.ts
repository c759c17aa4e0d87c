import { createRequire } from 'node:module';
import type * as tfc from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/**
 * tfjs-core and tfjs-layers for the registry entries whose functions run outside a model build
 * (optimizers' builders, losses' and metrics' functions), taken when they are called, not when
 * the registry is imported: the registry's schemas and facts load without tfjs. Node resolves both
 * packages to their CommonJS builds for `import` too, so this is the very module instance the rest
 * of qqp imports; it is called only where tfjs is in use, after backend/tfjs.ts has set it up.
 * Layer and model builders get tfjs from their BuildContext (`ctx.tf`) instead, with qqp's own
 * layer classes, which are ES modules.
 */
const require = createRequire(import.meta.url);

export function tfjsCore(): typeof tfc {
  return require('@tensorflow/tfjs-core') as typeof tfc;
}

export function tfjsLayers(): typeof tfl {
  return require('@tensorflow/tfjs-layers') as typeof tfl;
}
