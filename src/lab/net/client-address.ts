// Distinct loopback source addresses make load look like many clients (persistence keys on the
// client address). Linux routes all of 127.0.0.0/8 to lo; elsewhere only 127.0.0.1 may work.
import { createServer, connect } from 'node:net';

/** The k-th client address: 127.0.2.1 … 127.0.2.254, then 127.0.3.1 … */
export function clientAddress(k: number): string {
  return `127.0.${2 + Math.floor(k / 254)}.${1 + (k % 254)}`;
}

/** True when this host can bind 127.0.2.1 as a source address (Linux can). */
export async function canBindClientAddresses(): Promise<boolean> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    return await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, localAddress: clientAddress(0) });
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('close', () => resolve(false));
    });
  } finally {
    server.close();
  }
}
