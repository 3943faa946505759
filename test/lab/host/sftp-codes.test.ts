import { constants } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { openFlagsOf, statusOf } from '../../../src/lab/host/sftp-codes.ts';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('SFTP ↔ POSIX codes', () => {
  it('maps errno like OpenSSH', () => {
    expect(statusOf(errno('ENOENT'))).toBe(STATUS_CODE.NO_SUCH_FILE);
    expect(statusOf(errno('ENOTDIR'))).toBe(STATUS_CODE.NO_SUCH_FILE);
    expect(statusOf(errno('EACCES'))).toBe(STATUS_CODE.PERMISSION_DENIED);
    expect(statusOf(errno('EPERM'))).toBe(STATUS_CODE.PERMISSION_DENIED);
    expect(statusOf(errno('EINVAL'))).toBe(STATUS_CODE.BAD_MESSAGE);
    expect(statusOf(errno('EEXIST'))).toBe(STATUS_CODE.FAILURE);
    expect(statusOf(new Error('no code'))).toBe(STATUS_CODE.FAILURE);
  });

  it('maps open flags, including combinations flagsToString cannot name', () => {
    expect(openFlagsOf(OPEN_MODE.READ)).toBe(constants.O_RDONLY);
    expect(openFlagsOf(OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC)).toBe(constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    expect(openFlagsOf(OPEN_MODE.READ | OPEN_MODE.WRITE | OPEN_MODE.CREAT)).toBe(constants.O_RDWR | constants.O_CREAT);
    expect(openFlagsOf(OPEN_MODE.APPEND | OPEN_MODE.CREAT | OPEN_MODE.EXCL)).toBe(
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL,
    );
  });
});
