// A HostSession that answers argvs from a table (joined by spaces), records them, and fails the rest
// with exit 127: enough for the network reads, which are argvs without sudo.
import type { ExecResult, HostSession, RemoteCommand } from '../../src/transport/types.ts';

export type Answer = { stdout?: string; stderr?: string; exitCode?: number };

export function fakeHost(name: string, answers: Record<string, Answer | ((line: string) => Answer)>) {
  const sent: { line: string; sudo: boolean; mutates: boolean }[] = [];
  const session: HostSession = {
    target: { name, host: `${name}.example.net`, port: 22, user: 'deploy' },
    connected: true,
    async exec(command: RemoteCommand): Promise<ExecResult> {
      if (!('argv' in command)) throw new Error(`fake host ${name}: a script was sent: ${command.script}`);
      const line = command.argv.join(' ');
      sent.push({ line, sudo: command.sudo ?? false, mutates: command.mutates });
      const entry = answers[line];
      const a: Answer = typeof entry === 'function' ? entry(line) : (entry ?? { stderr: `sh: 1: ${command.argv[0]}: not found\n`, exitCode: 127 });
      const exitCode = a.exitCode ?? 0;
      return {
        host: name,
        command: line,
        ok: exitCode === 0,
        exitCode,
        signal: null,
        timedOut: false,
        aborted: false,
        connectionLost: false,
        stdout: a.stdout ?? '',
        stderr: a.stderr ?? '',
        durationMs: 1,
      };
    },
    upload: async () => {
      throw new Error('no upload');
    },
    forward: async () => {
      throw new Error('no forward');
    },
    reconnect: async () => {},
    close: async () => {},
  };
  return { session, sent };
}

const tail = '\\       valid_lft forever preferred_lft forever';
/** `ip -o addr show` lines: lo, the VIP on lo when given, eth0. */
export function ipAddrText(options: { eth0: string; loVip?: string; eth0Vip?: string }): string {
  return [
    `1: lo    inet 127.0.0.1/8 scope host lo${tail}`,
    ...(options.loVip ? [`1: lo    inet ${options.loVip}/32 scope global lo${tail}`] : []),
    `2: eth0    inet ${options.eth0}/24 brd 10.0.1.255 scope global eth0${tail}`,
    ...(options.eth0Vip ? [`2: eth0    inet ${options.eth0Vip}/32 scope global eth0${tail}`] : []),
    '',
  ].join('\n');
}

export const ARP_CAT =
  'cat /proc/sys/net/ipv4/conf/all/arp_ignore /proc/sys/net/ipv4/conf/all/arp_announce /proc/sys/net/ipv4/conf/eth0/arp_ignore /proc/sys/net/ipv4/conf/eth0/arp_announce';
