// Timing for the knn bench on a shared machine: wall seconds, the process's CPU seconds (all threads)
// and the 1-minute load average at both ends, so that every figure travels with the load it ran under.
import os from 'node:os';

export interface Timing {
  seconds: number;
  cpuSeconds: number;
  /** 1-minute load average at the start and at the end. */
  load: [number, number];
}

const load1 = (): number => Number(os.loadavg()[0].toFixed(2));

export async function timed<T>(run: () => T | Promise<T>): Promise<{ value: T; timing: Timing }> {
  const loadStart = load1();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await run();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, timing: { seconds, cpuSeconds: (used.user + used.system) / 1e6, load: [loadStart, load1()] } };
}

/** "12.3 s (cpu 20.1 s, load 3.1-4.2)" */
export function showTiming(t: Timing): string {
  return `${t.seconds.toFixed(2)} s (cpu ${t.cpuSeconds.toFixed(2)} s, load ${t.load[0]}-${t.load[1]})`;
}

/** Growth exponent between two sizes: log(t2 / t1) / log(n2 / n1). */
export function exponent(n1: number, t1: number, n2: number, t2: number): number {
  return Math.log(t2 / t1) / Math.log(n2 / n1);
}
