// What a failed kernel call prints: libipvs `ipvs_strerror` (libipvs.c:1302), keyed by the
// failing libipvs function, plus the 1.27-1.29 libnl-3 wording trap (LVS.md §2).

/** The errnos the emulated kernel returns. */
export type Errno = 'ESRCH' | 'ENOENT' | 'EEXIST' | 'EINVAL' | 'ERANGE';

/** The libipvs function that failed: the same errno reads differently per function. */
export type IpvsFunc =
  | 'add_service'
  | 'update_service'
  | 'del_service'
  | 'zero_service'
  | 'add_dest'
  | 'update_dest'
  | 'del_dest'
  | 'start_daemon'
  | 'stop_daemon'
  | 'get_service'
  | 'set_timeout'
  | 'flush';

/** A kernel call's outcome: success, or the errno it failed with. */
export type KernelResult = { ok: true } | { ok: false; errno: Errno };

export const OK: KernelResult = { ok: true };

export function failed(errno: Errno): KernelResult {
  return { ok: false, errno };
}

const BY_FUNC: Partial<Record<IpvsFunc, Partial<Record<Errno, string>>>> = {
  add_service: { EEXIST: 'Service already exists', ENOENT: 'Scheduler or persistence engine not found' },
  update_service: { ESRCH: 'No such service', ENOENT: 'Scheduler or persistence engine not found' },
  del_service: { ESRCH: 'No such service' },
  zero_service: { ESRCH: 'No such service' },
  add_dest: { ESRCH: 'Service not defined', EEXIST: 'Destination already exists' },
  update_dest: { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  del_dest: { ESRCH: 'Service not defined', ENOENT: 'No such destination' },
  start_daemon: { EEXIST: 'Daemon has already run' },
  stop_daemon: { ESRCH: 'No daemon is running' },
  get_service: { ESRCH: 'No such service' },
};

/** The function-independent rows of the table, then glibc's strerror. */
const GENERIC: Record<Errno, string> = {
  EINVAL: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  ESRCH: 'No such process',
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  ERANGE: 'Numerical result out of range',
};

/**
 * NOTE: ipvsadm 1.27-1.29 built on libnl-3 put libnl's NLE_* code in errno, so the kernel's
 * ESRCH/ENOENT read as ENOMEM, EEXIST as ENXIO, EINVAL as E2BIG, ERANGE as ENOEXEC; none of
 * those is in the per-function table, so the generic row or strerror prints.
 */
const LEGACY: Record<Errno, string> = {
  ESRCH: 'Memory allocation problem',
  ENOENT: 'Memory allocation problem',
  EEXIST: 'No such device or address',
  EINVAL: 'Argument list too long',
  ERANGE: 'Exec format error',
};

/** The stderr line (without "\n") for `errno` returned to `func`. */
export function ipvsStrerror(func: IpvsFunc, errno: Errno, options: { legacyWording?: boolean } = {}): string {
  if (options.legacyWording) return LEGACY[errno];
  return BY_FUNC[func]?.[errno] ?? GENERIC[errno];
}
