// The lab's `ip`: `ip [-o] [-br] [-4|-6] addr [show [dev] IF] [scope S]` and `ip addr add|del
// ADDR[/PLEN] dev IF`, over the calling host's network state, with iproute2's messages and exit
// codes (checked against iproute2 6.1 on Linux 6.x). Objects other than `addr` are not emulated.
import type { AddrScope, HostNet } from '../net/host-net.ts';
import { broadcastOf } from '../net/host-net.ts';
import { renderAddrShow, type AddrShowOptions } from './ip-render.ts';
import type { ToolResult } from './tool-server.ts';

/** iproute2's `matches(arg, word)`: `arg` is a non-empty prefix of `word`. */
const matches = (arg: string, word: string) => arg.length > 0 && word.startsWith(arg);

const fail = (message: string, exitCode: number): ToolResult => ({ stderr: `${message}\n`, exitCode });

interface Parsed {
  options: AddrShowOptions;
  rest: string[];
}

function parseGlobalOptions(argv: readonly string[]): Parsed | ToolResult {
  const options: AddrShowOptions = { oneline: false, brief: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') break;
    const opt = arg.startsWith('--') ? arg.slice(1) : arg;
    if (opt === '-4') options.family = 'inet';
    else if (opt === '-6') options.family = 'inet6';
    else if (matches(opt, '-oneline')) options.oneline = true;
    else if (matches(opt, '-brief') && opt.length >= 3) options.brief = true;
    else if (matches(opt, '-family')) {
      const value = argv[++i];
      if (value === 'inet' || value === 'inet6') options.family = value;
      else return fail(`Error: argument "${value ?? ''}" is wrong: invalid address family`, 255);
    } else if (matches(opt, '-color') || matches(opt, '-details') || matches(opt, '-statistics') || matches(opt, '-numeric')) continue;
    else return fail(`Option "${arg}" is unknown, try "ip -help".`, 255);
  }
  return { options, rest: argv.slice(i) };
}

const SCOPES: Record<string, AddrScope> = { host: 'host', link: 'link', global: 'global' };

function show(net: HostNet, args: readonly string[], options: AddrShowOptions): ToolResult {
  let dev: string | undefined;
  let scope: AddrScope | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === 'dev') dev = args[++i];
    else if (arg === 'scope') {
      const value = args[++i] ?? '';
      scope = SCOPES[value];
      if (!scope) return fail(`Error: argument "${value}" is wrong: invalid "scope"`, 255);
    } else if (arg === 'up' || arg === 'primary' || arg === 'permanent') continue;
    else dev = arg;
  }
  if (dev !== undefined && !net.hasLink(dev)) return fail(`Device "${dev}" does not exist.`, 1);
  const links = net
    .links()
    .filter((l) => dev === undefined || l.name === dev)
    .map((l) => ({ ...l, addresses: l.addresses.filter((a) => scope === undefined || a.scope === scope) }));
  return { stdout: renderAddrShow(links, options), exitCode: 0 };
}

function modify(net: HostNet, command: 'add' | 'del', args: readonly string[]): ToolResult {
  let local: string | undefined;
  let dev: string | undefined;
  let label: string | undefined;
  let scope: AddrScope | undefined;
  let broadcast: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === 'dev') dev = args[++i];
    else if (arg === 'label') label = args[++i];
    else if (arg === 'scope') scope = SCOPES[args[++i] ?? ''];
    else if (arg === 'broadcast' || arg === 'brd') broadcast = args[++i];
    else if (arg === 'local') local = args[++i];
    else if (local === undefined) local = arg;
    else return fail(`Error: either "local" is duplicate, or "${arg}" is a garbage.`, 1);
  }
  if (local === undefined) return fail('Not enough information: "local" argument is required.', 1);
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(local);
  if (!m) return fail(`Error: inet prefix is expected rather than "${local}".`, 1);
  const address = m[1] as string;
  const prefix = m[2] === undefined ? undefined : Number(m[2]);
  if (prefix !== undefined && prefix > 32) return fail(`Error: inet prefix is expected rather than "${local}".`, 1);
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.', 1);
  if (!net.hasLink(dev)) return fail(`Cannot find device "${dev}"`, 1);
  if (command === 'del') {
    const warning =
      prefix === undefined
        ? 'Warning: Executing wildcard deletion to stay compatible with old scripts.\n' +
          `         Explicitly specify the prefix length (${address}/32) to avoid this warning.\n` +
          '         This special behaviour is likely to disappear in further releases,\n' +
          '         fix your scripts!\n'
        : '';
    const result = net.deleteAddress(dev, address, prefix);
    if (result === 'not-found') return { stderr: `${warning}Error: ipv4: Address not found.\n`, exitCode: 2 };
    return { stderr: warning, exitCode: 0 };
  }
  const plen = prefix ?? 32;
  // NOTE: iproute2 would give a 127.x address scope host; the lab's addresses stand for real ones.
  const result = net.addAddress(dev, {
    family: 'inet',
    address,
    prefix: plen,
    scope: scope ?? 'global',
    label: label ?? dev,
    ...(broadcast === '+' ? { broadcast: broadcastOf(address, plen) } : broadcast ? { broadcast } : {}),
  });
  if (result === 'exists') return fail('Error: ipv4: Address already assigned.', 2);
  return { exitCode: 0 };
}

/** Runs one `ip` command line (argv without the program name) on `net`. */
export function runIp(net: HostNet, argv: readonly string[]): ToolResult {
  const parsed = parseGlobalOptions(argv);
  if ('exitCode' in parsed) return parsed;
  const [object, command, ...args] = parsed.rest;
  if (object === undefined) return fail('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }', 255);
  if (!matches(object, 'address')) {
    const known = ['addrlabel', 'link', 'route', 'rule', 'neighbor', 'neighbour', 'maddress', 'netns', 'tunnel'];
    if (known.some((word) => matches(object, word))) return fail(`ip (lab): "ip ${object}" is not emulated; the lab answers "ip addr" only.`, 255);
    return fail(`Object "${object}" is unknown, try "ip help".`, 1);
  }
  // iproute2's order: add, change/replace, delete, then list/show (so `ip a a` adds, `ip a s` shows).
  if (command === undefined) return show(net, args, parsed.options);
  if (matches(command, 'add')) return modify(net, 'add', args);
  if (matches(command, 'change') || command === 'chg' || matches(command, 'replace')) {
    return fail(`ip (lab): "ip addr ${command}" is not emulated; use add and del.`, 255);
  }
  if (matches(command, 'delete')) return modify(net, 'del', args);
  if (matches(command, 'list') || matches(command, 'show') || matches(command, 'lst')) return show(net, args, parsed.options);
  if (matches(command, 'flush')) return fail(`ip (lab): "ip addr ${command}" is not emulated; use del.`, 255);
  return fail(`Command "${command}" is unknown, try "ip address help".`, 255);
}
