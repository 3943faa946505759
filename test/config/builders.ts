// Test data: config files in memory, and the real fixture files.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConfigFs } from '../../src/config/load.ts';

export const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

/** An fs over a map of absolute paths; unknown paths fail with ENOENT like node's. */
export function memoryFs(files: Record<string, string>): ConfigFs & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: async (path) => {
      reads.push(path);
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  };
}

/** A valid cluster file and pipeline in /cfg, with the cluster text edited by `edit`. */
export function clusterFiles(edit: (text: string) => string = (text) => text, pipeline = fixture('pipeline.yaml')): Record<string, string> {
  return { '/cfg/release.yaml': edit(fixture('minimal.yaml')), '/cfg/pipeline.yaml': pipeline };
}

export const LOAD = { home: '/home/ops', cwd: '/' } as const;
