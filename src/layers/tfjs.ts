import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FastOrthogonal } from '../backend/tfjs.js';
import * as qqp from './index.js';

/**
 * TensorFlow.js and qqp's own layer classes, as one value that whoever builds models hands to the
 * registry's builders (`BuildContext.tf`). The registry imports tfjs only as types, so its schemas
 * and facts (what `validate`'s schema pass, `config show` and `registry` read) load without tfjs;
 * importing this file loads it (through backend/tfjs.ts, with its registrations).
 */
export const TFJS = { tfc, tfl, qqp, FastOrthogonal } as const;
export type Tfjs = typeof TFJS;
