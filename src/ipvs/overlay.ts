// One listing variant shows only some fields (list-parse.ts); the drivers need them together:
// `-L -n` for method/weight/counts, `--thresholds` for -x/-y, `--persistent-conn` for templates,
// `-S -n` for tunnel settings. These copy each variant's own fields onto a base table.
import { sameEndpoint, sameServiceKey } from './address.ts';
import type { IpvsListing } from './list-parse.ts';
import type { Destination, ListMode, VirtualService } from './model.ts';

interface Picker {
  dest: (from: Destination) => Partial<Destination>;
  service: (from: VirtualService) => Partial<VirtualService>;
}

const counts = (d: Destination) => ({ activeConns: d.activeConns, inactiveConns: d.inactiveConns });
const nothing = () => ({});

const LISTED: Record<ListMode, Picker> = {
  default: { dest: (d) => ({ ...counts(d), forward: d.forward, weight: d.weight }), service: nothing },
  thresholds: { dest: (d) => ({ ...counts(d), upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold }), service: nothing },
  'persistent-conn': { dest: (d) => ({ ...counts(d), weight: d.weight, persistConns: d.persistConns }), service: nothing },
  stats: { dest: (d) => (d.stats ? { stats: d.stats } : {}), service: (s) => (s.stats ? { stats: s.stats } : {}) },
  rate: { dest: (d) => (d.rate ? { rate: d.rate } : {}), service: (s) => (s.rate ? { rate: s.rate } : {}) },
};

const SAVED: Picker = {
  dest: (d) => ({ tunnelType: d.tunnelType, tunnelPort: d.tunnelPort, tunnelChecksum: d.tunnelChecksum }),
  service: nothing,
};

function overlay(base: readonly VirtualService[], extra: readonly VirtualService[], pick: Picker): VirtualService[] {
  return base.map((svc) => {
    const other = extra.find((o) => sameServiceKey(o.key, svc.key));
    if (!other) return svc;
    const dests = svc.dests.map((d) => {
      const match = other.dests.find((o) => sameEndpoint(o, d));
      return match ? { ...d, ...pick.dest(match) } : d;
    });
    return { ...svc, ...pick.service(other), dests };
  });
}

/**
 * Copy what `listing` shows (by its mode) onto `base`, matching services by key and dests by
 * address:port. Services or dests only in `listing` are ignored: the base decides membership.
 */
export function overlayListing(base: readonly VirtualService[], listing: Pick<IpvsListing, 'mode' | 'services'>): VirtualService[] {
  return overlay(base, listing.services, LISTED[listing.mode]);
}

/** Copy the tunnel settings that only `-S -n` shows (type, GUE port, checksum) onto `base`. */
export function overlaySave(base: readonly VirtualService[], saved: readonly VirtualService[]): VirtualService[] {
  return overlay(base, saved, SAVED);
}
