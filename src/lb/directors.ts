// A director as the engine reaches it: its name and its SSH session. Every read and change of its
// IPVS table goes through the DirectorTables port (director-tables.ts).
import type { HostSession } from '../transport/types.ts';

export interface DirectorHandle {
  name: string;
  session: HostSession;
}
