import { Args, Flags } from '@oclif/core';
import { BACKENDS } from '../backend/names.js';
import { QqpCommand } from '../cli/base.js';
import { experimentsDirFlag } from '../cli/flags.js';
import { formatCount } from '../cli/render.js';
import { runLine } from '../cli/views/progress.js';
import type { RunRef } from '../eval/index.js';
import { DEFAULT_MAX_BATCH } from '../serve/options.js';

export interface ServeResult {
  url: string;
  host: string;
  port: number;
  run: RunRef;
  backend: string;
  /** The signal that stopped the server. */
  stoppedBy: string | null;
  served: { requests: number; pairs: number; calls: number };
}

export default class Serve extends QqpCommand<ServeResult> {
  static override summary =
    "Serve a run's final model over HTTP: POST /predict, GET /health, /model, /openapi.json";
  static override description =
    'Loads the model once and answers JSON requests until SIGTERM or Ctrl-C, then finishes the requests in flight and exits 0. ' +
    'Prints one line, "listening on http://HOST:PORT", to stdout (with --json to stderr, and the result on stdout at the end). ' +
    'Pairs of concurrent requests are scored together, up to --max-batch per model call. ' +
    'Requests: {"question1", "question2"} answers {probability, prediction, label}; {"pairs": [...]} or a bare list answers {predictions: [...]}; ' +
    'an optional "threshold" (0 to 1, default 0.5). At most 1000 pairs and 1 MiB per request (413 beyond); ' +
    'a malformed request is answered 400 with {"error": {"code", "message"}}.';
  static override examples = [
    '<%= config.bin %> serve 20261128-101500-bilstm',
    `curl -d '{"question1":"How do I learn Go?","question2":"How can I learn Go?"}' localhost:8080/predict`,
    '<%= config.bin %> serve 20261128-101500-bilstm --host 0.0.0.0 --port 9000',
  ];
  static override args = {
    run: Args.string({ description: 'Run folder, or run id under --experiments-dir', required: true }),
  };
  static override flags = {
    ...experimentsDirFlag,
    port: Flags.integer({
      description: 'Port to listen on (0: any free port)',
      default: 8080,
      min: 0,
      max: 65535,
    }),
    host: Flags.string({
      description: 'Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)',
      default: '127.0.0.1',
    }),
    'max-batch': Flags.integer({
      description: 'Pairs per model call when requests are batched together',
      default: DEFAULT_MAX_BATCH,
      min: 1,
    }),
    backend: Flags.string({ options: [...BACKENDS], description: "Override the run's training.backend" }),
    log: Flags.boolean({ description: 'Log each request (JSON lines, to stderr)' }),
  };

  protected async execute(): Promise<ServeResult> {
    const { args, flags } = await this.parse(Serve);
    const [{ openPredictor }, { createServer, listen, servedStats }] = await Promise.all([
      import('../eval/index.js'),
      import('../serve/index.js'),
    ]);
    let stoppedBy: string | null = null;
    return this.interruptible(
      async (signal) => {
        const predictor = await openPredictor({
          run: args.run,
          experimentsDir: flags['experiments-dir'],
          ...(flags.backend ? { backend: flags.backend as (typeof BACKENDS)[number] } : {}),
        });
        try {
          const app = createServer(predictor, {
            maxBatch: flags['max-batch'],
            logger: flags.log ? { level: 'info', stream: process.stderr } : false,
          });
          let closed = false;
          try {
            const address = await listen(app, { host: flags.host, port: flags.port });
            for (const n of predictor.ref.notes) this.note(`note: ${n}`);
            const line = `listening on ${address.url}`;
            if (this.jsonEnabled()) this.note(line);
            else this.log(line);
            // Until SIGTERM or Ctrl-C (the listening socket keeps the process up meanwhile).
            if (!signal.aborted) {
              await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
            }
            // Stops accepting, answers the requests in flight, then closes their connections.
            await app.close();
            closed = true;
            return {
              ...address,
              run: predictor.ref,
              backend: predictor.backend,
              stoppedBy,
              served: servedStats(app),
            };
          } finally {
            if (!closed) await app.close();
          }
        } finally {
          predictor.dispose();
        }
      },
      {
        onFirst: (s) => {
          stoppedBy = s;
          this.note(`${s}: finishing the requests in flight, then stopping`);
        },
        onAgain: (s) => this.note(`${s} again: stopping now`),
      },
    );
  }

  protected render(r: ServeResult): void {
    this.note(
      `stopped: ${formatCount(r.served.requests)} requests, ${formatCount(r.served.pairs)} pairs in ${formatCount(r.served.calls)} model calls; ${runLine(r.run)}`,
    );
  }
}
