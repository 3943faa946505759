// A destination as ipvsadm lists it, for tests: a DR server at weight 100, no thresholds, idle.
import type { Destination } from '../../src/ipvs/model.ts';

export function aDestination(over: Partial<Destination> = {}): Destination {
  return {
    family: 'inet',
    address: '192.168.1.179',
    port: 80,
    forward: 'Route',
    weight: 100,
    upperThreshold: 0,
    lowerThreshold: 0,
    activeConns: 0,
    inactiveConns: 0,
    persistConns: 0,
    ...over,
  };
}
