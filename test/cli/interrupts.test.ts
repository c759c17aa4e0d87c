import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { type SignalHost, withInterrupts } from '../../src/cli/base.js';

/** A stand-in for `process`: signals are emitted by hand, exit records its code and throws. */
class FakeProcess extends EventEmitter implements SignalHost {
  exits: number[] = [];
  exit(code: number): never {
    this.exits.push(code);
    throw new Error(`exit ${code}`);
  }
  signal(name: NodeJS.Signals): void {
    this.emit(name, name);
  }
}

/** A work function that runs until told to end, exposing the signal it was given. */
function pending() {
  let end: (value: string) => void = () => {};
  let given: AbortSignal | undefined;
  const work = (signal: AbortSignal) => {
    given = signal;
    return new Promise<string>((resolve) => {
      end = resolve;
    });
  };
  return { work, end: (v: string) => end(v), signal: () => given };
}

describe('withInterrupts (QqpCommand.interruptible)', () => {
  it('first signal: onFirst, then the abort; second: onAgain, then exit 130', async () => {
    const host = new FakeProcess();
    const calls: string[] = [];
    const w = pending();
    const done = withInterrupts(w.work, {
      host,
      onFirst: (s) => calls.push(`first ${s} aborted=${w.signal()?.aborted}`),
      onAgain: (s) => calls.push(`again ${s}`),
    });
    assert.equal(w.signal()?.aborted, false);
    host.signal('SIGTERM');
    assert.equal(w.signal()?.aborted, true);
    assert.deepEqual(calls, ['first SIGTERM aborted=false']);
    assert.deepEqual(host.exits, []);
    assert.throws(() => host.signal('SIGINT'), /exit 130/);
    assert.deepEqual(calls, ['first SIGTERM aborted=false', 'again SIGINT']);
    assert.deepEqual(host.exits, [130]);
    w.end('result');
    assert.equal(await done, 'result');
  });

  it('removes its listeners when the work ends, by result or by error', async () => {
    const host = new FakeProcess();
    const w = pending();
    const done = withInterrupts(w.work, { host });
    assert.equal(host.listenerCount('SIGINT'), 1);
    assert.equal(host.listenerCount('SIGTERM'), 1);
    w.end('ok');
    await done;
    assert.equal(host.listenerCount('SIGINT'), 0);
    assert.equal(host.listenerCount('SIGTERM'), 0);
    await assert.rejects(
      withInterrupts(() => Promise.reject(new Error('boom')), { host }),
      /boom/,
    );
    assert.equal(host.listenerCount('SIGINT'), 0);
    assert.equal(host.listenerCount('SIGTERM'), 0);
  });

  it('handles only the signals it is given', async () => {
    const host = new FakeProcess();
    const w = pending();
    const done = withInterrupts(w.work, { host, signals: ['SIGINT'] });
    assert.equal(host.listenerCount('SIGTERM'), 0);
    host.signal('SIGINT');
    assert.equal(w.signal()?.aborted, true);
    assert.throws(() => host.signal('SIGINT'), /exit 130/);
    w.end('x');
    await done;
    assert.equal(host.listenerCount('SIGINT'), 0);
  });

  it('uses the process by default, and leaves it as it found it', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const w = pending();
    const done = withInterrupts(w.work);
    assert.equal(process.listenerCount('SIGINT'), (before[0] ?? 0) + 1);
    w.end('x');
    await done;
    assert.deepEqual([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')], before);
  });
});
