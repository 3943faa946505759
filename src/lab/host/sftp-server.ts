// The SFTP subsystem of a lab host: SFTP v3 requests served from the real file system.
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, opendir, readdir, readlink, realpath, rename, rmdir, stat, symlink, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, InputAttributes, SFTPWrapper } from 'ssh2';
import { applyAttrs, attrsOf, longnameOf } from './sftp-attrs.ts';
import { openFlagsOf, statusOf } from './sftp-codes.ts';

const { STATUS_CODE } = ssh2.utils.sftp;

type OpenHandle = { kind: 'file'; fh: FileHandle } | { kind: 'dir'; path: string; entries: string[] | undefined };

export interface SftpSessionOptions {
  sftp: SFTPWrapper;
  /** Relative paths resolve against it (the login directory). */
  dir: string;
}

const READDIR_BATCH = 100;
const MAX_READ = 256 * 1024;

interface SftpInternals {
  _protocol?: { exitStatus(channel: number, status: number): void };
  outgoing?: { id: number; state: string };
}

// NOTE: on the client's EOF we must close too (or OpenSSH's sftp waits forever), and send
// exit-status 0 first as sshd does when sftp-server exits (or scp reports failure). ssh2's SFTP
// object has no public way to send it, hence its internals.
function endSession(sftp: SFTPWrapper): void {
  const internals = sftp as unknown as SftpInternals;
  if (internals.outgoing?.state === 'open') internals._protocol?.exitStatus(internals.outgoing.id, 0);
  sftp.end();
}

/** Serves one SFTP channel until it closes; open files are closed with it. */
export function serveSftp({ sftp, dir }: SftpSessionOptions): void {
  const handles = new Map<number, OpenHandle>();
  let nextHandle = 1;
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));

  const newHandle = (h: OpenHandle): Buffer => {
    const id = nextHandle++;
    handles.set(id, h);
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(id, 0);
    return buf;
  };
  const lookup = (handle: Buffer): OpenHandle | undefined => (handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined);
  const fileOf = (handle: Buffer): FileHandle | undefined => {
    const h = lookup(handle);
    return h?.kind === 'file' ? h.fh : undefined;
  };

  // Every request runs async; a thrown fs error becomes the matching status.
  const serve = (reqid: number, work: () => Promise<void>): void => {
    work().catch((error: unknown) => {
      try {
        sftp.status(reqid, statusOf(error), (error as Error).message);
      } catch {
        // channel already gone
      }
    });
  };
  const ok = (reqid: number): void => {
    sftp.status(reqid, STATUS_CODE.OK);
  };
  const badHandle = (reqid: number): void => {
    sftp.status(reqid, STATUS_CODE.FAILURE, 'invalid handle');
  };
  const sendAttrs = async (reqid: number, st: Promise<Stats>): Promise<void> => {
    sftp.attrs(reqid, attrsOf(await st));
  };
  const sendName = (reqid: number, name: string): void => {
    sftp.name(reqid, [{ filename: name, longname: name, attrs: {} as Attributes }]);
  };

  sftp.on('OPEN', (reqid: number, filename: string, flags: number, attrs: InputAttributes) =>
    serve(reqid, async () => {
      const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o666;
      const fh = await open(at(filename), openFlagsOf(flags), mode);
      sftp.handle(reqid, newHandle({ kind: 'file', fh }));
    }),
  );
  sftp.on('READ', (reqid: number, handle: Buffer, offset: number, length: number) =>
    serve(reqid, async () => {
      const fh = fileOf(handle);
      if (!fh) return badHandle(reqid);
      const buf = Buffer.alloc(Math.min(length, MAX_READ));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      sftp.data(reqid, buf.subarray(0, bytesRead));
    }),
  );
  sftp.on('WRITE', (reqid: number, handle: Buffer, offset: number, data: Buffer) =>
    serve(reqid, async () => {
      const fh = fileOf(handle);
      if (!fh) return badHandle(reqid);
      await fh.write(data, 0, data.length, offset);
      ok(reqid);
    }),
  );
  sftp.on('FSTAT', (reqid: number, handle: Buffer) =>
    serve(reqid, async () => {
      const fh = fileOf(handle);
      if (!fh) return badHandle(reqid);
      await sendAttrs(reqid, fh.stat());
    }),
  );
  sftp.on('FSETSTAT', (reqid: number, handle: Buffer, attrs: InputAttributes) =>
    serve(reqid, async () => {
      const fh = fileOf(handle);
      if (!fh) return badHandle(reqid);
      await applyAttrs(fh, attrs);
      ok(reqid);
    }),
  );
  sftp.on('CLOSE', (reqid: number, handle: Buffer) =>
    serve(reqid, async () => {
      const h = lookup(handle);
      if (!h) return badHandle(reqid);
      handles.delete(handle.readUInt32BE(0));
      if (h.kind === 'file') await h.fh.close();
      ok(reqid);
    }),
  );
  sftp.on('OPENDIR', (reqid: number, path: string) =>
    serve(reqid, async () => {
      const full = at(path);
      await (await opendir(full)).close(); // fails like opendir(3) would
      sftp.handle(reqid, newHandle({ kind: 'dir', path: full, entries: undefined }));
    }),
  );
  sftp.on('READDIR', (reqid: number, handle: Buffer) =>
    serve(reqid, async () => {
      const h = lookup(handle);
      if (h?.kind !== 'dir') return badHandle(reqid);
      h.entries ??= ['.', '..', ...(await readdir(h.path))];
      const batch = h.entries.splice(0, READDIR_BATCH);
      if (batch.length === 0) return sftp.status(reqid, STATUS_CODE.EOF);
      const names = await Promise.all(
        batch.map(async (filename) => {
          const st = await lstat(resolve(h.path, filename)).catch(() => undefined);
          return st ? { filename, longname: longnameOf(filename, st), attrs: attrsOf(st) } : { filename, longname: filename, attrs: {} as Attributes };
        }),
      );
      sftp.name(reqid, names);
    }),
  );
  sftp.on('STAT', (reqid: number, path: string) => serve(reqid, () => sendAttrs(reqid, stat(at(path)))));
  sftp.on('LSTAT', (reqid: number, path: string) => serve(reqid, () => sendAttrs(reqid, lstat(at(path)))));
  sftp.on('SETSTAT', (reqid: number, path: string, attrs: InputAttributes) =>
    serve(reqid, async () => {
      await applyAttrs(at(path), attrs);
      ok(reqid);
    }),
  );
  sftp.on('MKDIR', (reqid: number, path: string, attrs: InputAttributes) =>
    serve(reqid, async () => {
      const mode = typeof attrs?.mode === 'number' ? attrs.mode & 0o7777 : 0o777;
      await mkdir(at(path), { mode });
      ok(reqid);
    }),
  );
  sftp.on('RMDIR', (reqid: number, path: string) =>
    serve(reqid, async () => {
      await rmdir(at(path));
      ok(reqid);
    }),
  );
  sftp.on('REMOVE', (reqid: number, path: string) =>
    serve(reqid, async () => {
      await unlink(at(path));
      ok(reqid);
    }),
  );
  // NOTE: SFTP v3 RENAME never replaces an existing target (OpenSSH's server refuses too).
  sftp.on('RENAME', (reqid: number, from: string, to: string) =>
    serve(reqid, async () => {
      const exists = await lstat(at(to)).then(
        () => true,
        () => false,
      );
      if (exists) return sftp.status(reqid, STATUS_CODE.FAILURE, 'target exists');
      await rename(at(from), at(to));
      ok(reqid);
    }),
  );
  sftp.on('REALPATH', (reqid: number, path: string) =>
    serve(reqid, async () => {
      const full = at(path === '' ? '.' : path);
      sendName(reqid, await realpath(full).catch(() => full));
    }),
  );
  sftp.on('READLINK', (reqid: number, path: string) =>
    serve(reqid, async () => {
      sendName(reqid, await readlink(at(path)));
    }),
  );
  // NOTE: ssh2 already undoes OpenSSH's swapped SYMLINK argument order.
  sftp.on('SYMLINK', (reqid: number, linkPath: string, targetPath: string) =>
    serve(reqid, async () => {
      await symlink(targetPath, at(linkPath));
      ok(reqid);
    }),
  );

  const closeAll = (): void => {
    for (const h of handles.values()) if (h.kind === 'file') void h.fh.close().catch(() => undefined);
    handles.clear();
  };
  sftp.on('end', () => endSession(sftp));
  sftp.on('close', closeAll);
  sftp.on('error', closeAll);
}
