import { isDeepStrictEqual } from 'node:util';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Layer, SymbolicTensor } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { ConfigError, type Problem } from '../errors.js';
import type { ConfigIssue, ConfigPath } from '../util/paths.js';
import { formatPath } from '../util/paths.js';
import { closestMatch } from '../util/suggest.js';
import { arityOf, buildLayer, type Flow, type LayerConfig, layerFacts, layers } from './layers.js';
import type { LossSpec } from './objectives.js';
import { checkOutput, FLOW_WORDS } from './stack.js';
import type { BuildContext } from './types.js';
import { entryConfigSchema } from './union.js';

/**
 * The `graph` model shape's nodes: their schema, the checks the schema cannot see (names, inputs,
 * cycles, flows, shares, unused nodes) and the builder. Each node is a registered layer (read
 * through its facts, as stacks are); `share` reuses another node's layer object (same weights).
 */

/** What a graph can read, in the order the built model declares them (only those its nodes use). */
export const GRAPH_INPUTS = [
  {
    name: 'pair',
    flow: 'ids',
    encoding: 'concat',
    description: 'both questions as one id sequence (concat encoding)',
  },
  { name: 'question1', flow: 'ids', encoding: 'separate', description: 'the first question, token ids' },
  { name: 'question2', flow: 'ids', encoding: 'separate', description: 'the second question, token ids' },
  {
    name: 'features',
    flow: 'vector',
    needs: 'features',
    description: 'the pair features (data.features), one vector per pair',
  },
  {
    name: 'exactMatch1',
    flow: 'sequence',
    needs: 'exactMatch',
    description: 'per token of question1: 1 where it occurs in question2 (a sequence of 1 feature)',
  },
  {
    name: 'exactMatch2',
    flow: 'sequence',
    needs: 'exactMatch',
    description: 'per token of question2: 1 where it occurs in question1 (a sequence of 1 feature)',
  },
] as const satisfies readonly {
  name: string;
  flow: Flow;
  encoding?: 'concat' | 'separate';
  needs?: 'features' | 'exactMatch';
  description: string;
}[];
export type GraphInputName = (typeof GRAPH_INPUTS)[number]['name'];
type GraphInput = (typeof GRAPH_INPUTS)[number];
const INPUT_BY_NAME = new Map<string, GraphInput>(GRAPH_INPUTS.map((i) => [i.name, i]));

/** The keys every node has besides its layer's parameters. */
const NODE_KEYS = ['name', 'inputs', 'share'] as const;

/** A node with its own layer: a layer config plus its name and inputs. */
export type LayerNode = LayerConfig & { name: string; inputs: string[]; share?: undefined };
/** A node that reuses another node's layer (and so its weights). */
export interface ShareNode {
  name: string;
  share: string;
  inputs: string[];
  type?: string;
  [param: string]: unknown;
}
export type GraphNode = LayerNode | ShareNode;

export interface GraphParams {
  nodes: GraphNode[];
  output?: string;
}

const nodeName = Type.String({
  pattern: '^[A-Za-z][A-Za-z0-9_]*$',
  description: "The node's name (letters, digits, _), unique in the graph; its layer's name in the model",
});
const nodeInputs = Type.Array(Type.String({ minLength: 1 }), {
  minItems: 1,
  description: `What the node reads: graph inputs (${GRAPH_INPUTS.map((i) => i.name).join(', ')}) or other nodes by name (\`node.0\`, \`node.1\`: the outputs of a node with several)`,
});

/**
 * A node's schema: with `share`, `{ name, share, inputs }` and optionally the shared layer's type and
 * parameters (which must equal that node's); otherwise a layer config (discriminated by `type`)
 * with `name` and `inputs`.
 */
export function graphNodeSchema(): TUnsafe<GraphNode> {
  const withNodeKeys = (e: (typeof layers.list)[number]) => {
    const s = entryConfigSchema(e) as TSchema & { properties: Record<string, TSchema>; required?: string[] };
    return {
      ...s,
      properties: { ...s.properties, name: nodeName, inputs: nodeInputs },
      required: [...(s.required ?? []), 'name', 'inputs'],
    };
  };
  return Type.Unsafe<GraphNode>({
    type: 'object',
    description:
      'A node: a layer (`type` and its parameters) with a `name` and its `inputs`, or a `share` of another node',
    if: { type: 'object', required: ['share'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise
    then: {
      type: 'object',
      required: ['name', 'share', 'inputs'],
      properties: {
        name: nodeName,
        share: Type.String({
          minLength: 1,
          description:
            "Another node whose layer (and weights) this node reuses; the layer's parameters may be left out",
        }),
        inputs: nodeInputs,
        type: Type.String({ description: "The shared node's type (optional)" }),
      },
    },
    else: {
      type: 'object',
      title: 'layer',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: layers.list.map(withNodeKeys),
    },
  });
}

// ---- references --------------------------------------------------------------------------------

interface Ref {
  /** A graph input or a node's name. */
  target: string;
  /** Which output of a node with several (`node.1`). */
  index?: number;
}

function parseRef(text: string): Ref {
  const m = /^(.*)\.(\d+)$/.exec(text);
  return m ? { target: m[1]!, index: Number(m[2]) } : { target: text };
}

function isShare(node: GraphNode): node is ShareNode {
  return typeof node.share === 'string';
}

/** The layer config a node runs: its own, or the shared node's. */
function layerOf(node: GraphNode, byName: ReadonlyMap<string, { node: GraphNode }>): LayerConfig | undefined {
  if (!isShare(node)) return node;
  const target = byName.get(node.share)?.node;
  return target && !isShare(target) ? target : undefined;
}

/** A layer config without the node keys. */
function stripNode(node: LayerNode): LayerConfig {
  const { name: _n, inputs: _i, share: _s, ...config } = node;
  return config as LayerConfig;
}

/** The output node's name: `output`, or the last node. */
export function graphOutput(p: GraphParams): string {
  return p.output ?? p.nodes[p.nodes.length - 1]!.name;
}

/** The graph inputs the nodes read, in the model's order. */
export function usedInputs(p: GraphParams): GraphInput[] {
  const used = new Set(p.nodes.flatMap((n) => n.inputs.map((r) => parseRef(r).target)));
  return GRAPH_INPUTS.filter((i) => used.has(i.name));
}

/** The pair encoding a graph's inputs need: concat when it reads `pair`, else separate. */
export function graphEncoding(p: GraphParams): 'concat' | 'separate' {
  return usedInputs(p).some((i) => i.name === 'pair') ? 'concat' : 'separate';
}

// ---- checks --------------------------------------------------------------------------------------

export interface GraphCheckContext {
  loss: LossSpec;
  at: ConfigPath;
  /** Width of the `features` input the data gives (data.features.pair); 0 or unset: none. */
  featureCount?: number;
  /** Whether the data gives the `exactMatch1` / `exactMatch2` inputs (data.features.exactMatch). */
  exactMatch?: boolean;
}

/** The data config that gives each extra graph input, for messages. */
const NEEDS_MESSAGE = {
  features: 'data.features.pair (true, or a list of feature names)',
  exactMatch: 'data.features.exactMatch: true',
} as const;

/** Mistakes in a graph that its schema cannot see; paths under `ctx.at`. */
export function checkGraph(p: GraphParams, ctx: GraphCheckContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const nodesAt: ConfigPath = [...ctx.at, 'nodes'];
  const byName = new Map<string, { node: GraphNode; index: number }>();

  // Names: unique, and not a graph input.
  p.nodes.forEach((node, i) => {
    const first = byName.get(node.name);
    if (first) {
      issues.push({
        path: [...nodesAt, i, 'name'],
        at: 'value',
        message: `node name "${node.name}" is used twice (first at ${formatPath([...nodesAt, first.index])})`,
        suggestion: 'give each node its own name',
      });
    } else if (INPUT_BY_NAME.has(node.name)) {
      issues.push({
        path: [...nodesAt, i, 'name'],
        at: 'value',
        message: `"${node.name}" is the name of a graph input; a node needs another name`,
      });
    } else byName.set(node.name, { node, index: i });
  });

  // Shares: of a node with its own layer, and nothing different from it.
  p.nodes.forEach((node, i) => {
    if (!isShare(node)) return;
    const target = byName.get(node.share);
    if (!target) {
      const match = closestMatch(node.share, [...byName.keys()]);
      issues.push({
        path: [...nodesAt, i, 'share'],
        at: 'value',
        message: `shares "${node.share}", but no node has that name`,
        ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
      });
      return;
    }
    if (node.share === node.name) {
      issues.push({ path: [...nodesAt, i, 'share'], at: 'value', message: 'a node cannot share itself' });
      return;
    }
    if (isShare(target.node)) {
      issues.push({
        path: [...nodesAt, i, 'share'],
        at: 'value',
        message: `"${node.share}" is itself a share of "${target.node.share}"`,
        suggestion: `share the node that has the layer: share: ${target.node.share}`,
      });
      return;
    }
    const shared = target.node as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(node)) {
      if ((NODE_KEYS as readonly string[]).includes(key)) continue;
      if (!(key in shared)) {
        issues.push({
          path: [...nodesAt, i, key],
          at: 'key',
          message: `"${key}" is not a parameter of the shared node "${node.share}" (${String(shared.type)})`,
          suggestion: "leave the layer's parameters out of a share: it uses the shared node's layer as it is",
        });
      } else if (!isDeepStrictEqual(value, shared[key])) {
        issues.push({
          path: [...nodesAt, i, key],
          at: 'value',
          message: `${key} differs from the shared node "${node.share}" (${JSON.stringify(shared[key])}): a share reuses that layer, with its parameters`,
          suggestion: `leave ${key} out, or give it the same value`,
        });
      }
    }
  });

  // Inputs: known, available, the right output of a node, as many as the layer takes.
  const encodings = new Map<string, ConfigPath>();
  const deps = new Map<string, { target: string; j: number }[]>();
  p.nodes.forEach((node, i) => {
    if (byName.get(node.name)?.index !== i) return;
    const list: { target: string; j: number }[] = [];
    const config = layerOf(node, byName);
    node.inputs.forEach((text, j) => {
      const where: ConfigPath = [...nodesAt, i, 'inputs', j];
      const first = node.inputs.indexOf(text);
      if (first < j) {
        issues.push({
          path: where,
          at: 'value',
          message: `reads "${text}" a second time (first at inputs[${first}]): tfjs' executor frees a tensor one node reads twice too early`,
          suggestion:
            'give each input once (for x ∗ x or x + x, read x through another node first, e.g. a dense or a share)',
        });
        return;
      }
      const ref = parseRef(text);
      const input = INPUT_BY_NAME.get(text);
      if (input) {
        const given = { features: (ctx.featureCount ?? 0) > 0, exactMatch: ctx.exactMatch === true };
        if ('needs' in input && !given[input.needs]) {
          issues.push({
            path: where,
            at: 'value',
            message: `graph input \`${input.name}\` needs ${NEEDS_MESSAGE[input.needs]}`,
            suggestion: `set ${NEEDS_MESSAGE[input.needs]} in the data config, or read another input`,
          });
        }
        if ('encoding' in input && !encodings.has(input.encoding)) encodings.set(input.encoding, where);
        return;
      }
      const target = byName.get(ref.target);
      if (!target) {
        const match = closestMatch(text, [...byName.keys(), ...INPUT_BY_NAME.keys()]);
        issues.push({
          path: where,
          at: 'value',
          message: `unknown input "${text}": not a graph input (${GRAPH_INPUTS.map((g) => g.name).join(', ')}) nor a node`,
          ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
        });
        return;
      }
      list.push({ target: ref.target, j });
      const targetConfig = layerOf(target.node, byName);
      const many = targetConfig && layerFacts(targetConfig).returnsMany;
      if (targetConfig && many && ref.index === undefined) {
        issues.push({
          path: where,
          at: 'value',
          message: `"${ref.target}" (${targetConfig.type}) has several outputs: name one`,
          suggestion: `write ${ref.target}.0, ${ref.target}.1, ...`,
        });
      } else if (targetConfig && !many && ref.index !== undefined) {
        issues.push({
          path: where,
          at: 'value',
          message: `"${ref.target}" (${targetConfig.type}) has one output`,
          suggestion: `write ${ref.target}`,
        });
      }
    });
    deps.set(node.name, list);
    if (config) {
      const arity = arityOf(layerFacts(config));
      const n = node.inputs.length;
      if (n < arity.min || (arity.max !== undefined && n > arity.max)) {
        const want =
          arity.max === arity.min
            ? `${arity.min}`
            : arity.max === undefined
              ? `${arity.min} or more`
              : `${arity.min} to ${arity.max}`;
        issues.push({
          path: [...nodesAt, i, 'inputs'],
          at: 'value',
          message: `"${config.type}" takes ${want} input${want === '1' ? '' : 's'} (got ${n})`,
        });
      }
    }
  });
  if (encodings.size > 1) {
    issues.push({
      path: encodings.get('concat')!,
      at: 'value',
      message:
        'a graph reads either `pair` (both questions in one sequence: concat encoding) or `question1`/`question2` (separate encoding), not both',
    });
  }

  // Cycles: a node that depends on itself, reported where the loop closes.
  const state = new Map<string, 'active' | 'done'>();
  const inCycle = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    state.set(name, 'active');
    for (const { target, j } of deps.get(name) ?? []) {
      if (state.get(target) === 'active') {
        const loop = [...trail.slice(trail.indexOf(target)), name, target];
        for (const n of loop) inCycle.add(n);
        issues.push({
          path: [...nodesAt, byName.get(name)!.index, 'inputs', j],
          at: 'value',
          message: `cycle: ${loop.join(' → ')} (a node cannot depend on its own output)`,
          suggestion: 'a graph flows one way, from the inputs to the output',
        });
      } else if (!state.has(target)) visit(target, [...trail, name]);
    }
    state.set(name, 'done');
  };
  for (const name of byName.keys()) if (!state.has(name)) visit(name, []);

  // The output node.
  const output = graphOutput(p);
  const out = byName.get(output);
  if (!out) {
    const match = closestMatch(output, [...byName.keys()]);
    issues.push({
      path: [...ctx.at, 'output'],
      at: 'value',
      message: `output "${output}" is not a node`,
      ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
    });
  }

  if (issues.length > 0 || inCycle.size > 0) return issues; // flows need a sound graph

  // Flows, in dependency order, read from each layer's facts.
  const flows = new Map<string, readonly Flow[]>();
  const flowOf = (text: string): Flow => {
    const input = INPUT_BY_NAME.get(text);
    if (input) return input.flow;
    const ref = parseRef(text);
    const f = flows.get(ref.target) ?? ['sequence'];
    return f[ref.index ?? 0] ?? 'sequence';
  };
  const order = topologicalOrder(p, byName);
  for (const i of order) {
    const node = p.nodes[i]!;
    const config = layerOf(node, byName)!;
    const facts = layerFacts(config);
    if (!isShare(node)) {
      issues.push(
        ...(facts.check?.(config) ?? []).map((issue) => ({ ...issue, path: [...nodesAt, i, ...issue.path] })),
      );
    }
    node.inputs.forEach((text, j) => {
      const ref = parseRef(text);
      const outputs = INPUT_BY_NAME.has(text) ? undefined : flows.get(ref.target);
      if (outputs && ref.index !== undefined && ref.index >= outputs.length) {
        issues.push({
          path: [...nodesAt, i, 'inputs', j],
          at: 'value',
          message: `"${ref.target}" has ${outputs.length} outputs: ${outputs.map((_f, k) => `${ref.target}.${k}`).join(', ')}`,
        });
      }
    });
    const inFlows = node.inputs.map(flowOf);
    inFlows.forEach((flow, j) => {
      if (!facts.takes.includes(flow)) {
        issues.push({
          path: [...nodesAt, i, 'inputs', j],
          at: 'value',
          message: `"${config.type}" needs ${facts.takes.map((f) => FLOW_WORDS[f]).join(' or ')} as input, but "${node.inputs[j]}" gives ${FLOW_WORDS[flow]}`,
        });
      }
    });
    const why = facts.checkFlows?.(config, inFlows);
    if (why)
      issues.push({ path: [...nodesAt, i, 'inputs'], at: 'value', message: `"${config.type}": ${why}` });
    flows.set(
      node.name,
      facts.returnsMany?.(config, inFlows) ?? [facts.returns(config, inFlows[0] ?? 'sequence', inFlows)],
    );
  }

  const outNode = p.nodes[out!.index]!;
  const outConfig = layerOf(outNode, byName)!;
  const outPath: ConfigPath = [...nodesAt, out!.index];
  issues.push(
    ...checkOutput([outConfig], [...nodesAt, out!.index], ctx.loss).map((issue) => ({
      ...issue,
      // checkOutput places issues at the stack's index 0: here, the node itself.
      path: [...outPath, ...issue.path.slice(outPath.length + 1)],
    })),
  );
  const outFlow = flows.get(output)?.[0];
  if (outFlow && outFlow !== 'vector' && issues.length === 0) {
    issues.push({
      path: [...outPath, 'type'],
      at: 'value',
      message: `the output node "${output}" returns ${FLOW_WORDS[outFlow]}; the model needs one vector per pair`,
      suggestion: 'pool or encode the sequence into a vector before the last dense node',
    });
  }

  // Unused nodes: every node must lead to the output.
  const used = new Set<string>();
  const mark = (name: string): void => {
    if (used.has(name)) return;
    used.add(name);
    for (const { target } of deps.get(name) ?? []) mark(target);
  };
  mark(output);
  p.nodes.forEach((node, i) => {
    if (used.has(node.name)) return;
    issues.push({
      path: [...nodesAt, i, 'name'],
      at: 'value',
      message: `node "${node.name}" is not used: nothing reads its output and it is not the model's output`,
      suggestion: `read it from another node, or remove it${p.output === undefined ? ' (without `output`, the last node is the output)' : ''}`,
    });
  });
  return issues;
}

/** Node indices in an order where every node comes after the nodes it reads (the graph has no cycle). */
function topologicalOrder(p: GraphParams, byName: ReadonlyMap<string, { index: number }>): number[] {
  const order: number[] = [];
  const done = new Set<number>();
  const visit = (i: number): void => {
    if (done.has(i)) return;
    done.add(i);
    for (const text of p.nodes[i]!.inputs) {
      const target = byName.get(parseRef(text).target);
      if (target && !INPUT_BY_NAME.has(text)) visit(target.index);
    }
    order.push(i);
  };
  p.nodes.forEach((_n, i) => {
    visit(i);
  });
  return order;
}

// ---- build ---------------------------------------------------------------------------------------

export interface GraphBuildContext extends BuildContext {
  sequenceLength: number;
  featureCount?: number;
  locate?: (path: ConfigPath) => Omit<Problem, 'message'>;
}

/** The config node behind each application of a graph layer: layer → node names by inbound node index. */
const nodeNames = new WeakMap<object, string[]>();

/** The graph node name of a layer's `index`-th application, for a model built here (summary). */
export function graphNodeName(layer: object, index: number): string | undefined {
  return nodeNames.get(layer)?.[index];
}

function located(ctx: GraphBuildContext, path: ConfigPath) {
  return ctx.locate?.(path) ?? { source: 'config', path: formatPath(path) };
}

/** Builds a checked graph: its inputs (those used, in GRAPH_INPUTS order), layers in node order, applied in dependency order. */
export function buildGraph(p: GraphParams, ctx: GraphBuildContext, at: ConfigPath): tfl.LayersModel {
  const nodesAt: ConfigPath = [...at, 'nodes'];
  const byName = new Map(p.nodes.map((node, index) => [node.name, { node, index }]));
  const values = new Map<string, SymbolicTensor | SymbolicTensor[]>();
  const modelInputs: SymbolicTensor[] = [];
  for (const input of usedInputs(p)) {
    let shape: number[];
    if (input.name === 'features') {
      const count = ctx.featureCount ?? 0;
      if (count === 0) {
        const i = p.nodes.findIndex((n) => n.inputs.includes(input.name));
        const j = p.nodes[i]!.inputs.indexOf(input.name);
        throw new ConfigError('GRAPH_INPUT', `graph input \`features\` needs ${NEEDS_MESSAGE.features}`, {
          problems: [
            {
              ...located(ctx, [...nodesAt, i, 'inputs', j]),
              message: `graph input \`features\` needs ${NEEDS_MESSAGE.features}: without it there are no pair features`,
            },
          ],
        });
      }
      shape = [count];
    } else shape = [ctx.sequenceLength];
    const dtype = input.flow === 'ids' ? 'int32' : 'float32';
    const x = tfl.input({ shape, dtype, name: input.name });
    modelInputs.push(x);
    // exactMatch is fed as [batch, time]; the nodes read it as a sequence of one feature.
    values.set(
      input.name,
      input.flow === 'sequence'
        ? (tfl.layers
            .reshape({ targetShape: [ctx.sequenceLength, 1], name: `${input.name}_steps` })
            .apply(x) as SymbolicTensor)
        : x,
    );
  }
  // Layer objects in node order, so seeds (and so initial weights) follow the config's order.
  const built = new Map<string, Layer>();
  p.nodes.forEach((node) => {
    if (!isShare(node)) built.set(node.name, buildLayer(stripNode(node), { ...ctx, name: node.name }));
  });
  const tensorOf = (text: string): SymbolicTensor => {
    const direct = values.get(text);
    if (direct && !Array.isArray(direct)) return direct;
    const ref = parseRef(text);
    const v = values.get(ref.target)!;
    return Array.isArray(v) ? v[ref.index ?? 0]! : v;
  };
  for (const i of topologicalOrder(p, byName)) {
    const node = p.nodes[i]!;
    const layer = built.get(isShare(node) ? node.share : node.name)!;
    const xs = node.inputs.map(tensorOf);
    try {
      values.set(node.name, layer.apply(xs.length === 1 ? xs[0]! : xs) as SymbolicTensor | SymbolicTensor[]);
    } catch (err) {
      const path = [...nodesAt, i];
      throw new ConfigError('MODEL_BUILD', `cannot build ${formatPath(path)} (node "${node.name}")`, {
        problems: [
          {
            ...located(ctx, path),
            message: `tfjs refused the node on input shape${xs.length > 1 ? 's' : ''} ${xs.map((x) => JSON.stringify(x.shape)).join(' and ')}: ${(err as Error).message}`,
          },
        ],
        cause: err,
      });
    }
    const names = nodeNames.get(layer) ?? [];
    names[layer.inboundNodes.length - 1] = node.name;
    nodeNames.set(layer, names);
  }
  const output = values.get(graphOutput(p))!;
  return tfl.model({
    inputs: modelInputs,
    outputs: Array.isArray(output) ? output[0]! : output,
    name: 'graph',
  });
}
