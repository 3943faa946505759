// Which keywords keepalived accepts where (keepalived/check/check_parser.c, check_api.c,
// check_http.c, v2.x). Only the blocks lvs-release models are `strict`: there an unknown keyword
// is reported as keepalived does. Elsewhere we stay quiet and read blocks by their braces, since
// a keyword list we do not model in full would report false errors on newer keepalived.

/** `value`: a statement; `block`: a keyword with a sub-level of its own (needs `{`). */
export type KeywordKind = { kind: 'value' } | { kind: 'block'; table: KeywordTable };

export interface KeywordTable {
  name: string;
  /**
   * strict: unknown keywords are reported and a following `{` is "Unexpected", as in keepalived;
   * guarded: unknown keywords are reported, but their block is skipped by braces;
   * lenient: anything goes; a keyword followed by `{` owns the block up to its `}`.
   */
  mode: 'strict' | 'guarded' | 'lenient';
  keywords: Readonly<Record<string, KeywordKind>>;
}

const VALUE: KeywordKind = { kind: 'value' };
const values = (names: readonly string[]): Record<string, KeywordKind> => Object.fromEntries(names.map((n) => [n, VALUE]));
const block = (table: KeywordTable): KeywordKind => ({ kind: 'block', table });
const lenient = (name: string): KeywordTable => ({ name, mode: 'lenient', keywords: {} });

/** `install_checker_common_keywords(true)`. */
const CHECKER_COMMON = [
  'connect_ip',
  'connect_port',
  'bindto',
  'bind_port',
  'bind_if',
  'connect_timeout',
  'fwmark',
  'retry',
  'delay_before_retry',
  'warmup',
  'delay_loop',
  'alpha',
  'log_all_failures',
];

const URL: KeywordTable = {
  name: 'url',
  mode: 'strict',
  keywords: values([
    'path',
    'digest',
    'status_code',
    'virtualhost',
    'regex',
    'regex_no_match',
    'regex_options',
    'regex_min_offset',
    'regex_max_offset',
    'regex_stack',
  ]),
};

const httpTable = (name: string): KeywordTable => ({
  name,
  mode: 'strict',
  keywords: {
    ...values([...CHECKER_COMMON, 'nb_get_retry', 'virtualhost', 'http_protocol', 'enable_sni', 'fast_recovery']),
    url: block(URL),
  },
});

const TCP_CHECK: KeywordTable = { name: 'TCP_CHECK', mode: 'strict', keywords: values(CHECKER_COMMON) };

/** Checker blocks; the less common ones are read leniently. */
export const CHECKERS: Readonly<Record<string, KeywordKind>> = {
  HTTP_GET: block(httpTable('HTTP_GET')),
  SSL_GET: block(httpTable('SSL_GET')),
  TCP_CHECK: block(TCP_CHECK),
  MISC_CHECK: block(lenient('MISC_CHECK')),
  SMTP_CHECK: block(lenient('SMTP_CHECK')),
  DNS_CHECK: block(lenient('DNS_CHECK')),
  UDP_CHECK: block(lenient('UDP_CHECK')),
  PING_CHECK: block(lenient('PING_CHECK')),
  FILE_CHECK: block(lenient('FILE_CHECK')),
  BFD_CHECK: block(lenient('BFD_CHECK')),
};

const REAL_SERVER: KeywordTable = {
  name: 'real_server',
  mode: 'strict',
  keywords: {
    ...values([
      'weight',
      'lvs_method',
      'uthreshold',
      'lthreshold',
      'inhibit_on_failure',
      'notify_up',
      'notify_down',
      'alpha',
      'retry',
      'delay_before_retry',
      'warmup',
      'connect_timeout',
      'delay_loop',
      'smtp_alert',
      'virtualhost',
      'snmp_name',
    ]),
    ...CHECKERS,
  },
};

const VIRTUAL_SERVER: KeywordTable = {
  name: 'virtual_server',
  mode: 'strict',
  keywords: {
    ...values([
      'ip_family',
      'retry',
      'delay_before_retry',
      'warmup',
      'connect_timeout',
      'delay_loop',
      'inhibit_on_failure',
      'lb_algo',
      'lvs_sched',
      'hashed',
      'ops',
      'flag-1',
      'flag-2',
      'flag-3',
      'sh-port',
      'sh-fallback',
      'mh-port',
      'mh-fallback',
      'lb_kind',
      'lvs_method',
      'persistence_engine',
      'persistence_timeout',
      'persistence_granularity',
      'protocol',
      'ha_suspend',
      'smtp_alert',
      'virtualhost',
      'snmp_name',
      'alpha',
      'omega',
      'quorum_up',
      'quorum_down',
      'quorum',
      'hysteresis',
      'weight',
      'sorry_server',
      'sorry_server_inhibit',
      'sorry_server_lvs_method',
      'nat_mask',
    ]),
    real_server: block(REAL_SERVER),
  },
};

/** Top-level keywords of keepalived 2.x that open a block (`include` is handled by the lexer). */
const ROOT_BLOCKS = [
  'global_defs',
  'vrrp_script',
  'vrrp_instance',
  'vrrp_sync_group',
  'vrrp_track_file',
  'track_file',
  'track_process',
  'vrrp_track_process',
  'garp_group',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'linkbeat_interfaces',
  'virtual_server_group',
  'SSL',
  'bfd_instance',
  'vrrp_gscript',
];
const ROOT_VALUES = ['net_namespace', 'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'child_wait_time'];

export const ROOT: KeywordTable = {
  name: 'root',
  mode: 'guarded',
  keywords: {
    ...values(ROOT_VALUES),
    ...Object.fromEntries(ROOT_BLOCKS.map((n) => [n, block(lenient(n))])),
    virtual_server: block(VIRTUAL_SERVER),
  },
};

/** The table for a block nobody declared (a lenient level's `keyword {`). */
export const GENERIC: KeywordTable = lenient('block');
