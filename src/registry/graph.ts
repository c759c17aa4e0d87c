import { isDeepStrictEqual } from 'node:util';
import { type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import type * as tfl from '@tensorflow/tfjs-layers';
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
/** A node of the flat graph: a layer or a share (what a graph is once its repeats are expanded). */
export type FlatNode = LayerNode | ShareNode;
/** A node inside a repeat block: a layer or a share, optionally left out of the first copy. */
export type InnerNode = FlatNode & { first?: string };
/**
 * A block of nodes copied `times` times: copy k's nodes are named `<name>.<k>.<inner name>`; inner
 * nodes read the block's inputs as `input.0`, `input.1`, ... (copy 1: `inputs`; copy k > 1: the
 * previous copy's `outputs`), each other by their inner names and any other node by its name. The
 * rest of the graph reads only the last copy's outputs, as `<name>` (one output) or `<name>.0`,
 * `<name>.1`, ... (a copy's node name is refused outside its copy).
 */
export interface RepeatNode {
  name: string;
  type: 'repeat';
  times: number;
  inputs: string[];
  nodes: InnerNode[];
  outputs: string[];
  shareWeights?: boolean;
  share?: undefined;
}
export type GraphNode = FlatNode | RepeatNode;

export interface GraphParams {
  nodes: GraphNode[];
  output?: string;
}

/** A graph without repeat nodes. */
interface FlatGraph {
  nodes: FlatNode[];
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

/** What an inner node of a repeat block calls the block's inputs: `input.0`, `input.1`, ... */
const BLOCK_INPUT = 'input';

const firstKey = Type.String({
  minLength: 1,
  description:
    'In a repeat block: leave this node out of the first copy, where what reads it reads this reference instead (e.g. `input.0`)',
});

/**
 * A node's schema: with `share`, `{ name, share, inputs }` and optionally the shared layer's type and
 * parameters (which must equal that node's); otherwise a layer config (discriminated by `type`)
 * with `name` and `inputs`, or (outside a repeat block) a `repeat` block of such nodes. Inside a
 * block (`inner`), a node may also have `first`.
 */
export function graphNodeSchema(inner = false): TUnsafe<GraphNode> {
  const extra = inner ? { first: firstKey } : {};
  const withNodeKeys = (e: (typeof layers.list)[number]) => {
    const s = entryConfigSchema(e) as TSchema & { properties: Record<string, TSchema>; required?: string[] };
    return {
      ...s,
      properties: { ...s.properties, name: nodeName, inputs: nodeInputs, ...extra },
      required: [...(s.required ?? []), 'name', 'inputs'],
    };
  };
  const reference = Type.String({ minLength: 1 });
  const repeat = () =>
    Type.Object(
      {
        type: Type.Literal('repeat', {
          description: 'A block of nodes repeated `times` times, each copy reading the one before',
        }),
        name: Type.String({
          pattern: nodeName.pattern,
          description:
            "The block's name: copy k's nodes are `<name>.<k>.<inner name>` (as the summary lists them); the rest of the graph reads only the last copy's outputs, as `<name>` (one output) or `<name>.0`, `<name>.1`, ...",
        }),
        times: Type.Integer({ minimum: 1, description: 'How many copies of the nodes, one after the other' }),
        inputs: Type.Array(reference, {
          minItems: 1,
          description:
            "What the first copy reads, as `input.0`, `input.1`, ... (graph inputs or nodes); each later copy reads the previous copy's `outputs` instead",
        }),
        nodes: Type.Array(graphNodeSchema(true), {
          minItems: 1,
          description:
            "The block's nodes, named as in a graph (unique in the block); they read `input.N`, each other by name and any node of the graph by its name; `share` of an inner node shares the same copy's",
        }),
        outputs: Type.Array(reference, {
          minItems: 1,
          description:
            "The inner nodes (or `node.N`) each copy gives; with times > 1, one per input, in the inputs' order",
        }),
        shareWeights: Type.Boolean({
          default: false,
          description:
            "Whether every copy uses the first copy's layers (the same weights) instead of its own",
        }),
      },
      { additionalProperties: false, description: 'A repeat block: copies of a list of nodes, chained' },
    );
  return Type.Unsafe<GraphNode>({
    type: 'object',
    description: inner
      ? 'A node of a repeat block: a layer (`type` and its parameters) with a `name` and its `inputs`, or a `share` of another node'
      : 'A node: a layer (`type` and its parameters) with a `name` and its `inputs`, a `share` of another node, or a `repeat` block of nodes',
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
        ...extra,
      },
    },
    else: {
      type: 'object',
      title: 'layer',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [...layers.list.map(withNodeKeys), ...(inner ? [] : [repeat()])],
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

function isRepeat(node: GraphNode): node is RepeatNode {
  return !isShare(node) && (node as { type?: unknown }).type === 'repeat';
}

/** The layer config a node runs: its own, or the shared node's. */
function layerOf(node: FlatNode, byName: ReadonlyMap<string, { node: FlatNode }>): LayerConfig | undefined {
  if (!isShare(node)) return node;
  const target = byName.get(node.share)?.node;
  return target && !isShare(target) ? target : undefined;
}

/** A layer config without the node keys. */
function stripNode(node: LayerNode): LayerConfig {
  const { name: _n, inputs: _i, share: _s, ...config } = node;
  return config as LayerConfig;
}

// ---- repeat blocks ----------------------------------------------------------------------------

/** A graph with its repeat blocks expanded, where each of its nodes is written, and the blocks' mistakes. */
interface Expansion {
  graph: FlatGraph;
  /** Per node of `graph`: its place in the config (a copy's node: the inner node's). */
  at: ConfigPath[];
  issues: ConfigIssue[];
}

/** The name of copy `k`'s node `inner` of block `block`. */
function copyName(block: string, k: number, inner: string): string {
  return `${block}.${k}.${inner}`;
}

function withIndex(name: string, index: number | undefined): string {
  return index === undefined ? name : `${name}.${index}`;
}

/**
 * Expands every repeat node into its copies, in place (so layers are still built in the config's
 * order): copy k's node `n` is `<block>.<k>.<n>`, `input.m` is the block's m-th input for copy 1
 * and the previous copy's m-th output after, an inner name is the same copy's node (a `first`
 * node in copy 1: its `first` reference), any other name is read as it is; references to a block
 * (`blocks`, `blocks.0`) are its last copy's outputs, and a copy's node name (`blocks.1.enc`) is
 * refused. Checks what only the blocks can see (names in a block, references, outputs); the flat
 * graph is checked by `checkGraph` as any graph.
 */
export function expandGraph(p: GraphParams, at: ConfigPath): Expansion {
  const nodesAt: ConfigPath = [...at, 'nodes'];
  const issues: ConfigIssue[] = [];
  const blocks = new Map<string, { block: RepeatNode; index: number }>();
  const topNames = new Map<string, number>();
  p.nodes.forEach((node, i) => {
    const first = topNames.get(node.name);
    if (first === undefined) topNames.set(node.name, i);
    if (!isRepeat(node)) return;
    if (first !== undefined || INPUT_BY_NAME.has(node.name)) {
      issues.push({
        path: [...nodesAt, i, 'name'],
        at: 'value',
        message:
          first !== undefined
            ? `node name "${node.name}" is used twice (first at ${formatPath([...nodesAt, first])})`
            : `"${node.name}" is the name of a graph input; a block needs another name`,
        suggestion: 'give each node and block its own name',
      });
      return;
    }
    blocks.set(node.name, { block: node, index: i });
  });
  // A node after a block of the same name (checkGraph sees only the nodes).
  p.nodes.forEach((node, i) => {
    const block = blocks.get(node.name);
    if (block && !isRepeat(node) && i > block.index) {
      issues.push({
        path: [...nodesAt, i, 'name'],
        at: 'value',
        message: `node name "${node.name}" is used twice (first at ${formatPath([...nodesAt, block.index])})`,
        suggestion: 'give each node and block its own name',
      });
    }
  });

  const isKnownOuter = (text: string): boolean => {
    const target = parseRef(text).target;
    return INPUT_BY_NAME.has(text) || topNames.has(target);
  };

  /**
   * Refuses a reference to a copy's node (`blk.1.enc1`, `blk.2.al.0`; node names have no dots, so
   * nothing else reads so): the copies are the block's inside, read through its outputs.
   */
  const refusedCopy = (text: string, path: ConfigPath, within?: RepeatNode): boolean => {
    const m = /^([A-Za-z][A-Za-z0-9_]*)\.\d+\.(.*)$/.exec(text);
    const block = m ? blocks.get(m[1]!)?.block : undefined;
    if (!block) return false;
    if (block === within) {
      issues.push({
        path,
        at: 'value',
        message: `"${text}" names a copy's node; inside block "${block.name}", each copy's nodes refer to each other by their inner names`,
        suggestion: `write ${m![2]!}`,
      });
      return true;
    }
    const outputs =
      block.outputs.length === 1 ? [block.name] : block.outputs.map((_o, k) => `${block.name}.${k}`);
    issues.push({
      path,
      at: 'value',
      message: `"${text}" is a node inside block "${block.name}": the rest of the graph reads only the block's output${outputs.length === 1 ? '' : 's'}, ${outputs.join(', ')} (its last copy's ${block.outputs.join(', ')})`,
      suggestion: `read ${outputs.join(' or ')}, or add the node to the block's outputs`,
    });
    return true;
  };

  /** An outer reference as the flat graph names it: a block's outputs are its last copy's. */
  const outer = (text: string, path: ConfigPath, trail: ReadonlySet<string>): string => {
    if (refusedCopy(text, path)) return text;
    const ref = parseRef(text);
    const entry = blocks.get(ref.target);
    if (!entry) return text;
    const { block, index } = entry;
    const n = block.outputs.length;
    if (ref.index === undefined && n > 1) {
      issues.push({
        path,
        at: 'value',
        message: `block "${block.name}" has ${n} outputs: name one`,
        suggestion: `write ${block.outputs.map((_o, m) => `${block.name}.${m}`).join(', ')}`,
      });
      return text;
    }
    if (ref.index !== undefined && n === 1) {
      issues.push({
        path,
        at: 'value',
        message: `block "${block.name}" has one output`,
        suggestion: `write ${block.name}`,
      });
      return text;
    }
    const m = ref.index ?? 0;
    if (m >= n) {
      issues.push({
        path,
        at: 'value',
        message: `block "${block.name}" has ${n} outputs: ${block.outputs.map((_o, k) => `${block.name}.${k}`).join(', ')}`,
      });
      return text;
    }
    if (!isBlockOutput(block, m)) return text; // reported by checkBlock
    return inner(block, block.times, block.outputs[m]!, [...nodesAt, index, 'outputs', m], trail);
  };

  /** A reference written inside `block`, as copy `k` reads it. */
  const inner = (
    block: RepeatNode,
    k: number,
    text: string,
    path: ConfigPath,
    trail: ReadonlySet<string>,
  ): string => {
    const key = `${block.name}\u0000${k}\u0000${text}`;
    const blockAt: ConfigPath = [...nodesAt, blocks.get(block.name)!.index];
    const ref = parseRef(text);
    if (trail.has(key)) {
      // A loop of outputs is a cycle of the flat graph (checkGraph reports it); a loop of `first`
      // (copy 1's stand-ins naming each other) would leave a name nothing defines.
      const j = block.nodes.findIndex((n) => n.name === ref.target);
      const node = block.nodes[j];
      if (k === 1 && node?.first !== undefined) {
        issues.push({
          path: [...blockAt, 'nodes', j, 'first'],
          at: 'value',
          message: `"${node.name}" is left out of the first copy, and its \`first\` ("${node.first}") leads back to it`,
          suggestion: `name a block input (${block.inputs.map((_x, m) => `${BLOCK_INPUT}.${m}`).join(', ')}), a node outside the block, or an inner node without \`first\``,
        });
      }
      return text;
    }
    const next = new Set(trail).add(key);
    if (ref.target === BLOCK_INPUT) {
      const m = ref.index;
      if (m === undefined || m >= block.inputs.length) {
        issues.push({
          path,
          at: 'value',
          message: `block "${block.name}" has ${block.inputs.length} input${block.inputs.length === 1 ? '' : 's'}: ${block.inputs.map((_x, j) => `${BLOCK_INPUT}.${j}`).join(', ')}`,
        });
        return text;
      }
      if (k === 1) return outer(block.inputs[m]!, [...blockAt, 'inputs', m], next);
      if (!isBlockOutput(block, m)) return text; // reported by checkBlock
      return inner(block, k - 1, block.outputs[m]!, [...blockAt, 'outputs', m], next);
    }
    const j = block.nodes.findIndex((n) => n.name === ref.target);
    if (j >= 0) {
      const node = block.nodes[j]!;
      if (k === 1 && node.first !== undefined) {
        const alias = inner(block, 1, node.first, [...blockAt, 'nodes', j, 'first'], next);
        return withIndex(alias, ref.index);
      }
      return withIndex(copyName(block.name, k, ref.target), ref.index);
    }
    if (refusedCopy(text, path, block)) return text;
    if (!isKnownOuter(text)) {
      const candidates = [
        ...block.nodes.map((n) => n.name),
        ...block.inputs.map((_x, m) => `${BLOCK_INPUT}.${m}`),
        ...topNames.keys(),
        ...INPUT_BY_NAME.keys(),
      ];
      const match = closestMatch(text, candidates);
      issues.push({
        path,
        at: 'value',
        message: `unknown ${path[path.length - 1] === 'first' ? 'reference' : 'input'} "${text}": not an input of block "${block.name}" (${block.inputs.map((_x, m) => `${BLOCK_INPUT}.${m}`).join(', ')}), a node of the block, a graph input nor a node of the graph`,
        ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
      });
      return text;
    }
    return outer(text, path, next);
  };

  const nodes: FlatNode[] = [];
  const where: ConfigPath[] = [];
  const none = new Set<string>();
  p.nodes.forEach((node, i) => {
    const nodeAt: ConfigPath = [...nodesAt, i];
    if (!isRepeat(node)) {
      if (isShare(node)) refusedCopy(node.share, [...nodeAt, 'share']);
      const inputs = node.inputs.map((text, j) => outer(text, [...nodeAt, 'inputs', j], none));
      nodes.push({ ...node, inputs } as FlatNode);
      where.push(nodeAt);
      return;
    }
    if (blocks.get(node.name)?.index !== i) return;
    checkBlock(node, nodeAt, issues);
    node.inputs.forEach((text, m) => {
      if (refusedCopy(text, [...nodeAt, 'inputs', m])) return;
      if (!isKnownOuter(text)) {
        const match = closestMatch(text, [...topNames.keys(), ...INPUT_BY_NAME.keys()]);
        issues.push({
          path: [...nodeAt, 'inputs', m],
          at: 'value',
          message: `unknown input "${text}": not a graph input (${GRAPH_INPUTS.map((g) => g.name).join(', ')}) nor a node`,
          ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
        });
      }
    });
    const innerNames = new Set(node.nodes.map((n) => n.name));
    /** The first copy that has an inner node (a `first` node is not in copy 1). */
    const firstCopy = (name: string) =>
      node.nodes.find((n) => n.name === name)?.first === undefined ? 1 : 2;
    for (let k = 1; k <= node.times; k++) {
      node.nodes.forEach((n, j) => {
        const innerAt: ConfigPath = [...nodeAt, 'nodes', j];
        if (k === 1 && n.first !== undefined) {
          // Resolved where copy 1 reads the node; checked here also when nothing does.
          inner(node, 1, n.name, [...innerAt, 'first'], none);
          return;
        }
        const inputs = n.inputs.map((text, q) => inner(node, k, text, [...innerAt, 'inputs', q], none));
        const { first: _f, ...rest } = n;
        const name = copyName(node.name, k, n.name);
        if (isShare(n)) {
          if (k === 1 && innerNames.has(n.share) && firstCopy(n.share) > 1) {
            issues.push({
              path: [...innerAt, 'share'],
              at: 'value',
              message: `shares "${n.share}", which the first copy leaves out (it has \`first\`)`,
              suggestion: `give this node \`first\` too, or share another node`,
            });
          }
          const copy = node.shareWeights === true ? Math.max(1, firstCopy(n.share)) : k;
          if (!innerNames.has(n.share)) refusedCopy(n.share, [...innerAt, 'share'], node);
          const share = innerNames.has(n.share) ? copyName(node.name, copy, n.share) : n.share;
          nodes.push({ ...(rest as ShareNode), name, share, inputs });
        } else if (node.shareWeights === true && k > firstCopy(n.name)) {
          nodes.push({ name, share: copyName(node.name, firstCopy(n.name), n.name), inputs });
        } else {
          nodes.push({ ...(rest as LayerNode), name, inputs });
        }
        where.push(innerAt);
      });
    }
  });
  const last = p.nodes[p.nodes.length - 1];
  const output =
    p.output !== undefined
      ? outer(p.output, [...at, 'output'], none)
      : last && isRepeat(last)
        ? outer(last.name, [...nodesAt, p.nodes.length - 1, 'name'], none)
        : undefined;
  return { graph: { nodes, ...(output === undefined ? {} : { output }) }, at: where, issues };
}

/** Whether a block's m-th output names one of its nodes (or its inputs). */
function isBlockOutput(block: RepeatNode, m: number): boolean {
  const text = block.outputs[m];
  if (text === undefined) return false;
  const target = parseRef(text).target;
  return target === BLOCK_INPUT || block.nodes.some((n) => n.name === target);
}

/** A block's own mistakes: inner names, outputs. */
function checkBlock(block: RepeatNode, at: ConfigPath, issues: ConfigIssue[]): void {
  const names = new Map<string, number>();
  block.nodes.forEach((n, j) => {
    const first = names.get(n.name);
    if (first !== undefined) {
      issues.push({
        path: [...at, 'nodes', j, 'name'],
        at: 'value',
        message: `node name "${n.name}" is used twice in block "${block.name}" (first at ${formatPath([...at, 'nodes', first])})`,
        suggestion: 'give each node of the block its own name',
      });
    } else if (n.name === BLOCK_INPUT) {
      issues.push({
        path: [...at, 'nodes', j, 'name'],
        at: 'value',
        message: `"${BLOCK_INPUT}" names the block's inputs (${BLOCK_INPUT}.0, ...); a node of a block needs another name`,
      });
    } else names.set(n.name, j);
  });
  block.outputs.forEach((text, m) => {
    const ref = parseRef(text);
    if (ref.target !== BLOCK_INPUT && !names.has(ref.target)) {
      const match = closestMatch(ref.target, [...names.keys()]);
      issues.push({
        path: [...at, 'outputs', m],
        at: 'value',
        message: `output "${text}" is not a node of block "${block.name}"`,
        ...(match ? { suggestion: `did you mean "${withIndex(match, ref.index)}"?` } : {}),
      });
    }
  });
  if (block.times > 1 && block.outputs.length !== block.inputs.length) {
    issues.push({
      path: [...at, 'outputs'],
      at: 'value',
      message: `block "${block.name}" has ${block.inputs.length} input${block.inputs.length === 1 ? '' : 's'} and ${block.outputs.length} output${block.outputs.length === 1 ? '' : 's'}: each copy after the first reads the previous copy's outputs as its inputs`,
      suggestion: 'give as many outputs as inputs, in the same order',
    });
  }
}

/** The output node's name: `output`, or the last node. */
function graphOutput(p: FlatGraph): string {
  return p.output ?? p.nodes[p.nodes.length - 1]!.name;
}

/** The graph inputs the nodes read (its repeat blocks' included), in the model's order. */
export function usedInputs(p: GraphParams): GraphInput[] {
  const flat = expandGraph(p, []).graph;
  const used = new Set(flat.nodes.flatMap((n) => n.inputs.map((r) => parseRef(r).target)));
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
  const expanded = expandGraph(p, ctx.at);
  if (expanded.issues.length > 0) return dedupe(expanded.issues);
  return dedupe(checkFlat(expanded.graph, expanded.at, ctx));
}

/**
 * Issues without the repeats of a block's copies: the same mistake at the same place, whose
 * message differs only in the copy's number (`blocks.1.x`, `blocks.2.x`), is reported once.
 */
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${formatPath(issue.path)} ${issue.message.replace(/([A-Za-z][A-Za-z0-9_]*)\.\d+\./g, '$1.#.')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** checkGraph on an expanded graph; `at[i]` is where node i is written. */
function checkFlat(p: FlatGraph, at: readonly ConfigPath[], ctx: GraphCheckContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const byName = new Map<string, { node: FlatNode; index: number }>();

  // Names: unique, and not a graph input.
  p.nodes.forEach((node, i) => {
    const first = byName.get(node.name);
    if (first) {
      issues.push({
        path: [...at[i]!, 'name'],
        at: 'value',
        message: `node name "${node.name}" is used twice (first at ${formatPath(at[first.index]!)})`,
        suggestion: 'give each node its own name',
      });
    } else if (INPUT_BY_NAME.has(node.name)) {
      issues.push({
        path: [...at[i]!, 'name'],
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
        path: [...at[i]!, 'share'],
        at: 'value',
        message: `shares "${node.share}", but no node has that name`,
        ...(match ? { suggestion: `did you mean "${match}"?` } : {}),
      });
      return;
    }
    if (node.share === node.name) {
      issues.push({ path: [...at[i]!, 'share'], at: 'value', message: 'a node cannot share itself' });
      return;
    }
    if (isShare(target.node)) {
      issues.push({
        path: [...at[i]!, 'share'],
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
          path: [...at[i]!, key],
          at: 'key',
          message: `"${key}" is not a parameter of the shared node "${node.share}" (${String(shared.type)})`,
          suggestion: "leave the layer's parameters out of a share: it uses the shared node's layer as it is",
        });
      } else if (!isDeepStrictEqual(value, shared[key])) {
        issues.push({
          path: [...at[i]!, key],
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
      const where: ConfigPath = [...at[i]!, 'inputs', j];
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
          path: [...at[i]!, 'inputs'],
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
          path: [...at[byName.get(name)!.index]!, 'inputs', j],
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
        ...(facts.check?.(config) ?? []).map((issue) => ({ ...issue, path: [...at[i]!, ...issue.path] })),
      );
    }
    node.inputs.forEach((text, j) => {
      const ref = parseRef(text);
      const outputs = INPUT_BY_NAME.has(text) ? undefined : flows.get(ref.target);
      if (outputs && ref.index !== undefined && ref.index >= outputs.length) {
        issues.push({
          path: [...at[i]!, 'inputs', j],
          at: 'value',
          message: `"${ref.target}" has ${outputs.length} outputs: ${outputs.map((_f, k) => `${ref.target}.${k}`).join(', ')}`,
        });
      }
    });
    const inFlows = node.inputs.map(flowOf);
    inFlows.forEach((flow, j) => {
      if (!facts.takes.includes(flow)) {
        issues.push({
          path: [...at[i]!, 'inputs', j],
          at: 'value',
          message: `"${config.type}" needs ${facts.takes.map((f) => FLOW_WORDS[f]).join(' or ')} as input, but "${node.inputs[j]}" gives ${FLOW_WORDS[flow]}`,
        });
      }
    });
    const why = facts.checkFlows?.(config, inFlows);
    if (why) issues.push({ path: [...at[i]!, 'inputs'], at: 'value', message: `"${config.type}": ${why}` });
    flows.set(
      node.name,
      facts.returnsMany?.(config, inFlows) ?? [facts.returns(config, inFlows[0] ?? 'sequence', inFlows)],
    );
  }

  const outNode = p.nodes[out!.index]!;
  const outConfig = layerOf(outNode, byName)!;
  const outPath: ConfigPath = at[out!.index]!;
  issues.push(
    ...checkOutput([outConfig], outPath, ctx.loss).map((issue) => ({
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
      path: [...at[i]!, 'name'],
      at: 'value',
      message: `node "${node.name}" is not used: nothing reads its output and it is not the model's output`,
      suggestion: `read it from another node, or remove it${p.output === undefined ? ' (without `output`, the last node is the output)' : ''}`,
    });
  });
  return issues;
}

/** Node indices in an order where every node comes after the nodes it reads (the graph has no cycle). */
function topologicalOrder(p: FlatGraph, byName: ReadonlyMap<string, { index: number }>): number[] {
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
export function buildGraph(params: GraphParams, ctx: GraphBuildContext, at: ConfigPath): tfl.LayersModel {
  const expanded = expandGraph(params, at);
  const p = expanded.graph;
  const byName = new Map(p.nodes.map((node, index) => [node.name, { node, index }]));
  const values = new Map<string, SymbolicTensor | SymbolicTensor[]>();
  const modelInputs: SymbolicTensor[] = [];
  for (const input of usedInputs(params)) {
    let shape: number[];
    if (input.name === 'features') {
      const count = ctx.featureCount ?? 0;
      if (count === 0) {
        const i = p.nodes.findIndex((n) => n.inputs.includes(input.name));
        const j = p.nodes[i]!.inputs.indexOf(input.name);
        throw new ConfigError('GRAPH_INPUT', `graph input \`features\` needs ${NEEDS_MESSAGE.features}`, {
          problems: [
            {
              ...located(ctx, [...expanded.at[i]!, 'inputs', j]),
              message: `graph input \`features\` needs ${NEEDS_MESSAGE.features}: without it there are no pair features`,
            },
          ],
        });
      }
      shape = [count];
    } else shape = [ctx.sequenceLength];
    const dtype = input.flow === 'ids' ? 'int32' : 'float32';
    const x = ctx.tf.tfl.input({ shape, dtype, name: input.name });
    modelInputs.push(x);
    // exactMatch is fed as [batch, time]; the nodes read it as a sequence of one feature.
    values.set(
      input.name,
      input.flow === 'sequence'
        ? (ctx.tf.tfl.layers
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
      const path = expanded.at[i]!;
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
  return ctx.tf.tfl.model({
    inputs: modelInputs,
    outputs: Array.isArray(output) ? output[0]! : output,
    name: 'graph',
  });
}
