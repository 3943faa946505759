// `release lab …`: placeholders replaced as the lab lands.
import type { CliIo } from '../io.ts';
export async function labCommand(_io: CliIo, _o: unknown): Promise<number> { return 2; }
export async function labArtifactCommand(_io: CliIo, _o: unknown): Promise<number> { return 2; }
export async function labStatusCommand(_io: CliIo, _o: unknown): Promise<number> { return 2; }
export async function labLoadCommand(_io: CliIo, _o: unknown): Promise<number> { return 2; }
