// How much of the machine something else used while we measured: the CPU time of every other process
// (and the hypervisor's steal) over the interval, as a fraction of all cores; ours includes the children
// we waited for (the PyTorch peer). The figures of a run taken
// while others were busy are noise, whatever their ratio says; the result records this beside them.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';

/** Busy and steal jiffies of the whole machine, from the first line of /proc/stat. */
function machineBusyJiffies(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return user + nice + system + irq + softirq + steal;
}

/** This process's CPU jiffies, all threads, plus those of its children that have exited (the PyTorch peer). */
function ourJiffies(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "; fields[0] is state
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return utime + stime + cutime + cstime;
}

const JIFFY_SECONDS = 0.01; // USER_HZ is 100 on Linux

export interface Interval {
  /** Fraction (0..1) of all cores' time spent by other processes or stolen by the hypervisor. */
  stop(): number;
}

export function startInterval(): Interval {
  const busy0 = machineBusyJiffies();
  const ours0 = ourJiffies();
  const t0 = performance.now();
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000;
      const busy = (machineBusyJiffies() - busy0) * JIFFY_SECONDS;
      const others = busy - (ourJiffies() - ours0) * JIFFY_SECONDS;
      return Math.min(1, Math.max(0, others / (wall * cpus().length)));
    },
  };
}

/**
 * Waits (up to maxSeconds) for a few seconds in which other processes use less than `threshold` of the
 * CPU, so a run does not start in the middle of someone else's test suite. Returns the last window's share.
 */
export async function waitForQuiet(
  maxSeconds: number,
  threshold = 0.15,
  windowSeconds = 3,
): Promise<{ waitedSeconds: number; othersCpuShare: number }> {
  const t0 = performance.now();
  for (;;) {
    const interval = startInterval();
    await new Promise((done) => setTimeout(done, windowSeconds * 1000));
    const share = interval.stop();
    const waited = (performance.now() - t0) / 1000;
    if (share < threshold || waited >= maxSeconds) return { waitedSeconds: waited, othersCpuShare: share };
  }
}
