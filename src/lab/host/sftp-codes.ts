// SFTP ↔ POSIX: errno → SFTP status codes, SFTP open flags → fs open flags.
import { constants as fsConstants } from 'node:fs';
import ssh2 from 'ssh2';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

// NOTE: mirrors OpenSSH's errno_to_portable so clients see the codes a real server sends.
export function statusOf(error: unknown): number {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'EBADF':
    case 'ELOOP':
      return STATUS_CODE.NO_SUCH_FILE;
    case 'EPERM':
    case 'EACCES':
    case 'EFAULT':
      return STATUS_CODE.PERMISSION_DENIED;
    case 'ENAMETOOLONG':
    case 'EINVAL':
      return STATUS_CODE.BAD_MESSAGE;
    default:
      return STATUS_CODE.FAILURE;
  }
}

/** SFTP open flags → fs open flags (flagsToString cannot express every combination). */
export function openFlagsOf(flags: number): number {
  const read = (flags & OPEN_MODE.READ) !== 0;
  const write = (flags & OPEN_MODE.WRITE) !== 0 || (flags & OPEN_MODE.APPEND) !== 0;
  let out = read && write ? fsConstants.O_RDWR : write ? fsConstants.O_WRONLY : fsConstants.O_RDONLY;
  if (flags & OPEN_MODE.APPEND) out |= fsConstants.O_APPEND;
  if (flags & OPEN_MODE.CREAT) out |= fsConstants.O_CREAT;
  if (flags & OPEN_MODE.TRUNC) out |= fsConstants.O_TRUNC;
  if (flags & OPEN_MODE.EXCL) out |= fsConstants.O_EXCL;
  return out;
}
