import { readFileSync } from 'node:fs';
import { round } from '#scripts/bench/stats.ts';

export interface CpuSeconds {
  node: number;
  main: number;
  java: number;
}

/** CPU seconds (user + system) this process and the DynamoDB Local JVM have used so far. */
export const cpuSeconds = (javaPid: number | undefined): CpuSeconds => {
  const own = process.cpuUsage();
  const main = process.threadCpuUsage();
  let java = Number.NaN;
  try {
    // /proc/<pid>/stat fields 14 and 15 (after the `(comm)`): utime, stime in clock ticks (100 Hz).
    const stat = readFileSync(`/proc/${javaPid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    java = (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    // not Linux, or no pid: context only
  }
  return { node: (own.user + own.system) / 1e6, main: (main.user + main.system) / 1e6, java };
};

/** CPU used between two readings. */
export const cpuSince = (before: CpuSeconds, after: CpuSeconds): CpuSeconds => ({
  node: after.node - before.node,
  main: after.main - before.main,
  java: after.java - before.java,
});

/** CPU milliseconds per write. */
export const perWrite = (cpu: CpuSeconds, writes: number) => ({
  node: round((cpu.node * 1000) / writes, 3),
  main: round((cpu.main * 1000) / writes, 3),
  java: round((cpu.java * 1000) / writes, 3),
});
