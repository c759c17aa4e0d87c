/**
 * What else the machine was doing while a benchmark measured: on a shared machine another
 * process's work slows the measured one (PyTorch's OpenMP threads spin against it and collapse),
 * so every figure carries the CPU time other processes took during its window and the load
 * average at its start, and the bench compares multi-threaded figures only when the machine was
 * otherwise idle.
 * The whole machine's busy CPU time is read from os.cpus() (user, nice, sys and irq time of every
 * core); the measured process's own from itself (process.cpuUsage(): all its threads) or, for a
 * child such as PyTorch, from what it reports of itself. Others = machine − own, in cores (CPU
 * seconds per wall second).
 */
import { cpus, loadavg } from 'node:os';

/** Busy CPU time of the whole machine so far, in ms. */
export function machineBusyMs(): number {
  return cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

export interface Window {
  /** Load average (1 minute) at the window's start. */
  loadAvg: number;
  /** CPU time other processes took during the window, in cores (0: idle; 1: one core's worth). */
  otherCores: number;
  /** Wall time of the window, s. */
  wallS: number;
}

/** Starts a window; `end(ownCpuMs)` closes it with the measured process's own CPU time in it. */
export function startWindow(): { end: (ownCpuMs: number) => Window } {
  const loadAvg = loadavg()[0]!;
  const busy0 = machineBusyMs();
  const t0 = performance.now();
  return {
    end(ownCpuMs: number): Window {
      const wallMs = performance.now() - t0;
      const others = Math.max(0, machineBusyMs() - busy0 - ownCpuMs);
      return {
        loadAvg: Math.round(loadAvg * 100) / 100,
        otherCores: Math.round((others / Math.max(wallMs, 1)) * 100) / 100,
        wallS: Math.round(wallMs) / 1000,
      };
    },
  };
}

/** A window around `fn` run in this process (its own CPU time: process.cpuUsage, every thread). */
export async function measureHere<T>(fn: () => Promise<T> | T): Promise<{ value: T; window: Window }> {
  const own0 = process.cpuUsage();
  const w = startWindow();
  const value = await fn();
  const own = process.cpuUsage(own0);
  return { value, window: w.end((own.user + own.system) / 1000) };
}

/**
 * Other processes took at most this many cores for a window to count as idle. os.cpus() counts in
 * 10 ms ticks, and a shell, the bench's parent and the kernel take a little: 0.1 of a core.
 */
export const IDLE_OTHER_CORES = 0.1;

export const isIdle = (w: Window | null | undefined) => !!w && w.otherCores <= IDLE_OTHER_CORES;
