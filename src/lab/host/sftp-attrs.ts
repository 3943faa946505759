// SFTP file attributes: fs.Stats → ATTRS, ATTRS → chmod/chown/truncate/utimes, `ls -l` lines.
import type { Stats } from 'node:fs';
import { chmod, chown, truncate, utimes } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Attributes, InputAttributes } from 'ssh2';

/** The ATTRS an SFTP client expects for a file (times in whole seconds). */
export function attrsOf(st: Stats): Attributes {
  return {
    mode: st.mode,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    atime: Math.floor(st.atimeMs / 1000),
    mtime: Math.floor(st.mtimeMs / 1000),
  };
}

const TYPE_CHARS: ReadonlyArray<readonly [number, string]> = [
  [0o040000, 'd'],
  [0o120000, 'l'],
  [0o100000, '-'],
  [0o020000, 'c'],
  [0o060000, 'b'],
  [0o010000, 'p'],
  [0o140000, 's'],
];

/** "drwxr-xr-x" from a numeric mode. */
export function modeString(mode: number): string {
  const type = TYPE_CHARS.find(([bits]) => (mode & 0o170000) === bits)?.[1] ?? '?';
  let out = type;
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    out += `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`;
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The `ls -l`-style line SFTP's READDIR carries beside each name (shown by `sftp ls -l`). */
export function longnameOf(filename: string, st: Stats): string {
  const d = st.mtime;
  const date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return `${modeString(st.mode)} ${String(st.nlink).padStart(4)} ${String(st.uid).padEnd(8)} ${String(st.gid).padEnd(8)} ${String(st.size).padStart(8)} ${date} ${filename}`;
}

const toSeconds = (t: number | Date): number => (t instanceof Date ? t.getTime() / 1000 : t);

/** Applies SETSTAT/FSETSTAT attributes in OpenSSH's order: size, mode, owner, times. */
export async function applyAttrs(target: string | FileHandle, attrs: InputAttributes | undefined): Promise<void> {
  if (!attrs) return;
  const onPath = typeof target === 'string';
  if (typeof attrs.size === 'number') await (onPath ? truncate(target, attrs.size) : target.truncate(attrs.size));
  if (attrs.mode !== undefined) {
    const mode = (typeof attrs.mode === 'string' ? parseInt(attrs.mode, 8) : attrs.mode) & 0o7777;
    await (onPath ? chmod(target, mode) : target.chmod(mode));
  }
  if (typeof attrs.uid === 'number' && typeof attrs.gid === 'number') {
    await (onPath ? chown(target, attrs.uid, attrs.gid) : target.chown(attrs.uid, attrs.gid));
  }
  if (attrs.atime !== undefined && attrs.mtime !== undefined) {
    const atime = toSeconds(attrs.atime);
    const mtime = toSeconds(attrs.mtime);
    await (onPath ? utimes(target, atime, mtime) : target.utimes(atime, mtime));
  }
}
