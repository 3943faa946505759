// Test support for the lab app: a server dir, release switching, and a tiny HTTP client.
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeReleaseFiles, type BrokenMode } from '../../../src/lab/app/release.ts';

export interface Got {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** GET http://127.0.0.1:port/path; rejects on connection errors (refused, reset). */
export function get(port: number, path: string, agent: Agent | false = false): Promise<Got> {
  return new Promise((resolveGet, rejectGet) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', rejectGet);
    });
    req.on('error', rejectGet);
    req.end();
  });
}

/** Adds release `version` under dir/app/releases and points `current` at it atomically, as a deploy does. */
export async function deployRelease(dir: string, version: string, broken?: BrokenMode): Promise<void> {
  await writeReleaseFiles(join(dir, 'app/releases', version), broken ? { version, broken } : { version });
  await switchCurrent(dir, version);
}

export async function switchCurrent(dir: string, version: string): Promise<void> {
  const tmp = join(dir, 'app/.current.tmp');
  await symlink(join('releases', version), tmp);
  await rename(tmp, join(dir, 'app/current'));
}
