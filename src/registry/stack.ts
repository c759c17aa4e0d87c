import { type ConfigIssue, type ConfigPath, formatPath } from '../util/paths.js';
import { arityOf, type Flow, type LayerConfig, layerFacts, layers } from './layers.js';
import type { LossSpec } from './objectives.js';

/**
 * Checks on a stack of layers that the schema cannot see, read from each layer's own facts (what
 * it takes and returns, how it can end a model, its own parameter checks): no layer is named here.
 * Model shapes call these for their stacks.
 */

export const FLOW_WORDS: Record<Flow, string> = {
  ids: 'token ids',
  sequence: 'a sequence',
  vector: 'one vector per pair',
};

export function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(' or ');
}

/** The layers that accept `flow` as input, for messages. */
export function takersOf(flow: Flow): string[] {
  return layers.list.filter((e) => e.takes.includes(flow)).map((e) => e.name);
}

export interface StackCheck {
  issues: ConfigIssue[];
  /** What the stack returns (as far as the checks could follow it). */
  output: Flow;
}

/** Checks a stack whose input is `input`; paths are `at` + the layer's index. */
export function checkStack(stack: readonly LayerConfig[], at: ConfigPath, input: Flow): StackCheck {
  const issues: ConfigIssue[] = [];
  let flow = input;
  /** The last layer that turned a sequence into a vector, for the suggestion. */
  let vectorMaker: number | undefined;
  stack.forEach((config, i) => {
    const facts = layerFacts(config);
    issues.push(
      ...(facts.check?.(config) ?? []).map((issue) => ({ ...issue, path: [...at, i, ...issue.path] })),
    );
    const arity = arityOf(facts);
    if (arity.min > 1) {
      const { min, max } = arity;
      issues.push({
        path: [...at, i, 'type'],
        at: 'value',
        message: `"${config.type}" takes ${max === min ? min : max === undefined ? `${min} or more` : `${min} to ${max}`} inputs: it can be a node of a graph model, not a layer of a stack (which gives a layer one input, the layer before it)`,
        suggestion: 'write the model as a graph (model.type: graph) and give the node its inputs',
      });
    } else if (!facts.takes.includes(flow)) {
      if (flow === 'ids') {
        issues.push({
          path: [...at, i, 'type'],
          at: 'value',
          message: `the first layer must be ${quoted(takersOf('ids'))}: the input is token ids (got "${config.type}")`,
        });
        flow = 'sequence'; // as if it had been: one mistake, one message
      } else {
        const maker = vectorMaker === undefined ? undefined : stack[vectorMaker];
        const hint = maker && layerFacts(maker).keepSequence;
        issues.push({
          path: [...at, i, 'type'],
          at: 'value',
          message: `"${config.type}" needs ${facts.takes.map((f) => FLOW_WORDS[f]).join(' or ')} as input, but the layer before it returns ${FLOW_WORDS[flow]}`,
          ...(hint ? { suggestion: `${hint} on ${formatPath([...at, vectorMaker!])}` } : {}),
        });
      }
    }
    const next = facts.returns(config, flow);
    if (flow === 'sequence' && next === 'vector') vectorMaker = i;
    else if (next === 'sequence') vectorMaker = undefined;
    flow = next;
  });
  return { issues, output: flow };
}

/** The last layer of a stack that ends a model must give one probability per pair. */
export function checkOutput(stack: readonly LayerConfig[], at: ConfigPath, loss: LossSpec): ConfigIssue[] {
  const i = stack.length - 1;
  const last = stack[i];
  if (!last) return [];
  const out = layerFacts(last).output?.(last);
  if (out?.units !== 1) {
    const enders = layers.list.filter((e) => e.output !== undefined).map((e) => e.name);
    return [
      {
        path: [...at, i],
        at: 'value',
        message: `the last layer must be ${enders.join(' or ')} with units: 1 (one probability per pair)`,
        suggestion: `end with { type: ${enders[0]}, units: 1, activation: sigmoid }`,
      },
    ];
  }
  if (loss.needsProbability && out.activation !== 'sigmoid') {
    return [
      {
        path: [...at, i, 'activation'],
        at: 'value',
        message: `${loss.name} needs a probability: the last activation must be "sigmoid" (got "${out.activation}")`,
      },
    ];
  }
  return [];
}
