// `-b`/`--sched-flags` (`parse_sched_flags`) and how a service lists them (`print_sched_flags`):
// three kernel bits whose names depend on the scheduler (sh/mh have their own).

const SCHED1 = 1;
const SCHED2 = 2;
const SCHED3 = 4;

const GENERIC: Record<string, number> = { 'flag-1': SCHED1, 'flag-2': SCHED2, 'flag-3': SCHED3 };
const SPECIFIC: Record<string, { bit: number; scheduler: string }> = {
  'sh-fallback': { bit: SCHED1, scheduler: 'sh' },
  'sh-port': { bit: SCHED2, scheduler: 'sh' },
  'mh-fallback': { bit: SCHED1, scheduler: 'mh' },
  'mh-port': { bit: SCHED2, scheduler: 'mh' },
};

/** The bits of a comma-separated `-b` argument for `scheduler`, or the message ipvsadm fails with. */
export function parseSchedFlags(scheduler: string, text: string): { bits: number } | { error: string } {
  let bits = 0;
  for (const flag of text.split(',').filter((f) => f !== '')) {
    const generic = GENERIC[flag];
    const specific = SPECIFIC[flag];
    if (generic !== undefined) bits |= generic;
    else if (specific === undefined) return { error: `invalid scheduler flag \`${flag}'` };
    else if (specific.scheduler !== scheduler) return { error: `incompatible scheduler flag \`${flag}'` };
    else bits |= specific.bit;
  }
  return { bits };
}

/** The names `print_sched_flags` lists for `bits` under `scheduler` (sh/mh show no flag-3). */
export function schedFlagNames(scheduler: string, bits: number): string[] {
  if (scheduler === 'sh' || scheduler === 'mh') {
    return [bits & SCHED1 ? `${scheduler}-fallback` : '', bits & SCHED2 ? `${scheduler}-port` : ''].filter((n) => n !== '');
  }
  return [bits & SCHED1 ? 'flag-1' : '', bits & SCHED2 ? 'flag-2' : '', bits & SCHED3 ? 'flag-3' : ''].filter((n) => n !== '');
}
