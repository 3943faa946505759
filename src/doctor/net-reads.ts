// What `release doctor` reads of every host's network, over the read-only sessions: each server's
// addresses, the ARP settings of its links and its default route; each director's addresses and
// ip_forward (src/hosts/read.ts: argvs, no sudo). The checks decide from the tables which of it
// matters (checks-network.ts).
import type { Cluster } from '../config/types.ts';
import { IP_FORWARD } from '../hosts/director.ts';
import { readHostNet } from '../hosts/read.ts';
import type { HostSession } from '../transport/types.ts';
import type { DoctorNetwork } from './types.ts';

export async function readDoctorNetwork(input: {
  cluster: Pick<Cluster, 'services' | 'directors' | 'realServers'>;
  session: (name: string) => HostSession;
  signal?: AbortSignal;
}): Promise<DoctorNetwork> {
  const { cluster, signal } = input;
  const vips = cluster.services.flatMap((s) => (s.key.kind === 'addr' ? [s.key.address] : []));
  const [servers, directors] = await Promise.all([
    Promise.all(
      cluster.realServers.map(async (s) => ({
        name: s.name,
        facts: await readHostNet(input.session(s.name), { arpFor: vips, defaultRoute: true, ...(signal ? { signal } : {}) }),
      })),
    ),
    Promise.all(
      cluster.directors.map(async (d) => ({
        name: d.name,
        facts: await readHostNet(input.session(d.name), { sysctls: [IP_FORWARD], ...(signal ? { signal } : {}) }),
      })),
    ),
  ]);
  return { servers, directors };
}
