// Rules for the cluster file's meaning: services, addresses, uniqueness, SSH settings.

import { canonicalAddress, ipFamily, parseEndpoint, parseJumpHost } from './address.ts';
import { CLUSTER_DEFAULTS } from './defaults.ts';
import type { Finding, PathSegment, Rule } from './problems.ts';
import { numberAt, recordAt, recordsAt, stringAt } from './raw.ts';
import type { RawRecord } from './raw.ts';
import { hostsAreHostNames, noControlCharacters, noOptionLikeValues } from './rules-safety.ts';
import { windowRules } from './rules-windows.ts';

export const clusterNameIsValid: Rule = (raw) => {
  const name = stringAt(raw, 'cluster');
  if (name === undefined || name.startsWith('-') || /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return [];
  return [
    { path: ['cluster'], message: `"${name}" is not a usable cluster name`, hint: 'use letters, digits, ".", "_" and "-" (it names the lock and the journal)' },
  ];
};

export const servicesAreValid: Rule = (raw) =>
  recordsAt(raw, 'services').flatMap(({ index, item }): Finding[] => {
    const base = ['services', index];
    const vip = stringAt(item, 'vip');
    const hasFwmark = item['fwmark'] !== undefined;
    if ((item['vip'] === undefined) === !hasFwmark) {
      return [
        {
          path: base,
          message: 'a service needs exactly one of "vip" or "fwmark"',
          hint: 'write vip: 192.168.1.181:80, or fwmark: 10 for a firewall-mark service',
        },
      ];
    }
    if (hasFwmark && item['protocol'] !== undefined) {
      return [{ path: [...base, 'protocol'], message: 'a fwmark service has no protocol', hint: 'remove "protocol" (the mark selects the packets)' }];
    }
    if (vip === undefined) return [];
    if (item['family'] !== undefined) {
      return [
        {
          path: [...base, 'family'],
          message: 'the family of a vip service comes from its address',
          hint: 'remove "family" (it applies to fwmark services only)',
        },
      ];
    }
    const parsed = parseEndpoint(vip);
    return parsed.ok ? [] : [{ path: [...base, 'vip'], message: parsed.message, hint: parsed.hint }];
  });

/** The identity of a service as ipvsadm sees it, when it can be read. */
function serviceIdentity(item: RawRecord): string | undefined {
  const mark = numberAt(item, 'fwmark');
  if (mark !== undefined) return `fwmark ${mark} ${stringAt(item, 'family') ?? CLUSTER_DEFAULTS.fwmarkFamily}`;
  const parsed = parseEndpoint(stringAt(item, 'vip') ?? '');
  if (!parsed.ok) return undefined;
  return `${stringAt(item, 'protocol') ?? CLUSTER_DEFAULTS.protocol} ${parsed.address} ${parsed.port}`;
}

/** One way two entries can clash: the keys an entry claims (clash when any is shared). */
interface Criterion {
  keys(item: RawRecord): string[];
  field(item: RawRecord): string;
  what: string;
  hint: string;
}

/** At most one finding per entry: the first criterion on which it clashes with an earlier entry. */
function clashes(list: string, entries: Array<{ index: number; item: RawRecord }>, criteria: readonly Criterion[]): Finding[] {
  const seen = criteria.map((criterion) => ({ criterion, owners: new Map<string, number>() }));
  const findings: Finding[] = [];
  for (const { index, item } of entries) {
    let reported = false;
    for (const { criterion, owners } of seen) {
      const keys = criterion.keys(item);
      const first = keys.map((key) => owners.get(key)).find((owner) => owner !== undefined);
      if (first !== undefined && !reported) {
        findings.push({ path: [list, index, criterion.field(item)], message: `same ${criterion.what} as ${list}[${first}]`, hint: criterion.hint });
        reported = true;
      }
      for (const key of keys) if (!owners.has(key)) owners.set(key, index);
    }
  }
  return findings;
}

const optional = (value: string | undefined): string[] => (value === undefined ? [] : [value]);

export const servicesAreUnique: Rule = (raw) =>
  clashes('services', recordsAt(raw, 'services'), [
    {
      keys: (item) => optional(serviceIdentity(item)),
      field: (item) => (item['vip'] === undefined ? 'fwmark' : 'vip'),
      what: 'virtual service',
      hint: 'list every virtual service once',
    },
  ]);

/** Port of each service for a server that names none: the vip's port, 0 for fwmark (ipvsadm's convention). */
function servicePorts(raw: unknown): Array<number | undefined> {
  return recordsAt(raw, 'services').map(({ item }) => {
    if (item['fwmark'] !== undefined) return 0;
    const parsed = parseEndpoint(stringAt(item, 'vip') ?? '');
    return parsed.ok ? parsed.port : undefined;
  });
}

function hostCriteria(raw: unknown): [target: Criterion, name: Criterion] {
  const sshTarget = (item: RawRecord) => {
    const host = stringAt(item, 'host');
    const port = numberAt(recordAt(item, 'ssh'), 'port') ?? numberAt(recordAt(raw, 'ssh'), 'port') ?? CLUSTER_DEFAULTS.ssh.port;
    return optional(host === undefined ? undefined : `${host}:${port}`);
  };
  return [
    { keys: sshTarget, field: () => 'host', what: 'SSH host and port', hint: 'list every host once; hosts sharing an address need different ssh ports' },
    {
      keys: (item) => optional(stringAt(item, 'name') ?? stringAt(item, 'host')),
      field: (item) => (item['name'] === undefined ? 'host' : 'name'),
      what: 'name',
      hint: 'give each host its own name (the name defaults to the host)',
    },
  ];
}

export const directorsAreUnique: Rule = (raw) => clashes('directors', recordsAt(raw, 'directors'), hostCriteria(raw));

// Servers also clash on a destination (address + port) in any service: the directors could not tell them apart.
export const serversAreUnique: Rule = (raw) => {
  const ports = servicePorts(raw);
  const destination: Criterion = {
    keys: (item) => {
      const address = stringAt(item, 'address') ?? stringAt(item, 'host') ?? '';
      if (ipFamily(address) === undefined) return [];
      const explicit = numberAt(item, 'port');
      return ports.map((port, service) => `${service} ${canonicalAddress(address)} ${explicit ?? port}`);
    },
    field: (item) => (item['address'] === undefined ? 'host' : 'address'),
    what: 'address and port',
    hint: "every real server needs its own address (or port) in the directors' tables",
  };
  const [target, name] = hostCriteria(raw);
  return clashes('realServers', recordsAt(raw, 'realServers'), [target, destination, name]);
};

export const serverAddressesAreIps: Rule = (raw) =>
  recordsAt(raw, 'realServers').flatMap(({ index, item }): Finding[] => {
    const address = stringAt(item, 'address');
    const host = stringAt(item, 'host');
    if (address !== undefined) {
      if (address.startsWith('-') || ipFamily(address)) return [];
      return [
        { path: ['realServers', index, 'address'], message: `"${address}" is not an IP address`, hint: 'use the address exactly as ipvsadm -L -n lists it' },
      ];
    }
    if (host === undefined || host.startsWith('-') || ipFamily(host)) return [];
    return [
      {
        path: ['realServers', index, 'host'],
        message: `"${host}" is not an IP address, and "address" defaults to the host`,
        hint: 'add address: with the IP exactly as ipvsadm -L -n lists it',
      },
    ];
  });

export const serverFamiliesMatchServices: Rule = (raw) => {
  const families = recordsAt(raw, 'services').map(({ item }) => {
    const parsed = parseEndpoint(stringAt(item, 'vip') ?? '');
    return parsed.ok ? parsed.family : undefined;
  });
  return recordsAt(raw, 'realServers').flatMap(({ index, item }): Finding[] => {
    const family = ipFamily(stringAt(item, 'address') ?? stringAt(item, 'host') ?? '');
    const other = families.findIndex((f) => f !== undefined && family !== undefined && f !== family);
    const otherFamily = families[other];
    // A match (other >= 0) means both families are known.
    if (other < 0 || family === undefined || otherFamily === undefined) return [];
    const words = { inet: 'IPv4', inet6: 'IPv6' } as const;
    return [
      {
        path: ['realServers', index],
        warning: true,
        message: `the server's address is ${words[family]} but services[${other}] is ${words[otherFamily]}`,
        hint: 'mixed families work only with tunnelling; check the address',
      },
    ];
  });
};

// One finding when no host has a user (the usual omission), else one per host without one.
export const sshUsersAreSet: Rule = (raw) => {
  if (stringAt(recordAt(raw, 'ssh'), 'user') !== undefined) return [];
  const hosts = (['directors', 'realServers'] as const).flatMap((list) => recordsAt(raw, list).map(({ index, item }) => ({ path: [list, index], item })));
  const missing = hosts.filter(({ item }) => stringAt(recordAt(item, 'ssh'), 'user') === undefined);
  if (missing.length === 0) return [];
  if (missing.length === hosts.length) {
    return [
      {
        path: recordAt(raw, 'ssh') ? ['ssh'] : [],
        message: '"user" is missing, and no host sets its own',
        hint: 'add ssh: { user: deploy } with the user the release logs in as',
      },
    ];
  }
  return missing.map(({ path }) => ({ path, message: 'no SSH user for this host', hint: 'set ssh.user, or ssh: { user: ... } on the host' }));
};

/** Every `ssh` block: the cluster's and each host's, with its path. */
function sshBlocks(raw: unknown): Array<{ path: PathSegment[]; ssh: RawRecord | undefined }> {
  return [
    { path: ['ssh'], ssh: recordAt(raw, 'ssh') },
    ...(['directors', 'realServers'] as const).flatMap((list) =>
      recordsAt(raw, list).map(({ index, item }) => ({ path: [list, index, 'ssh'], ssh: recordAt(item, 'ssh') })),
    ),
  ];
}

export const jumpHostsAreValid: Rule = (raw) =>
  sshBlocks(raw).flatMap(({ path, ssh }): Finding[] => {
    const jump = stringAt(ssh, 'jumpHost');
    if (jump === undefined || jump.startsWith('-')) return [];
    const parsed = parseJumpHost(jump);
    return parsed.ok ? [] : [{ path: [...path, 'jumpHost'], message: parsed.message, hint: parsed.hint }];
  });

// NOTE: a value that is not a variable name is most likely the passphrase itself: never echo it.
export const passphraseEnvIsAName: Rule = (raw) =>
  sshBlocks(raw).flatMap(({ path, ssh }): Finding[] => {
    const name = stringAt(ssh, 'passphraseEnv');
    if (name === undefined || /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return [];
    return [
      {
        path: [...path, 'passphraseEnv'],
        message: 'not an environment variable name (the value is not shown)',
        hint: 'write the name of an environment variable that holds the passphrase, e.g. DEPLOY_KEY_PASSPHRASE, never the passphrase itself',
      },
    ];
  });

/** Every app block: the cluster's and each real server's, with its path. */
function appBlocks(raw: unknown): Array<{ path: PathSegment[]; app: RawRecord | undefined }> {
  return [
    { path: ['app'], app: recordAt(raw, 'app') },
    ...recordsAt(raw, 'realServers').map(({ index, item }) => ({ path: ['realServers', index, 'app'], app: recordAt(item, 'app') })),
  ];
}

// app.restart/app.reload are the operator's commands, run as written: a {{placeholder}} would reach the
// shell unreplaced, so it is refused rather than silently sent.
export const appCommandsAreNotTemplates: Rule = (raw) =>
  appBlocks(raw).flatMap(({ path, app }) =>
    (['restart', 'reload'] as const).flatMap((key): Finding[] => {
      const command = stringAt(app, key);
      if (command === undefined || !command.includes('{{')) return [];
      return [
        {
          path: [...path, key],
          message: `app.${key} is run as written, not templated: "{{" would reach the shell as it is`,
          hint: `write the command in full; a server that needs its own sets realServers[].app.${key}`,
        },
      ];
    }),
  );

/** Every rule of the cluster file, in reporting order. */
export const clusterRules: readonly Rule[] = [
  noControlCharacters,
  noOptionLikeValues,
  clusterNameIsValid,
  hostsAreHostNames,
  servicesAreValid,
  servicesAreUnique,
  directorsAreUnique,
  serversAreUnique,
  serverAddressesAreIps,
  serverFamiliesMatchServices,
  sshUsersAreSet,
  jumpHostsAreValid,
  passphraseEnvIsAName,
  appCommandsAreNotTemplates,
  ...windowRules,
];
