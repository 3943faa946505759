// The IPVS TCP state machine as the kernel keeps it (`tcp_states`, ip_vs_proto_tcp.c): INPUT and
// OUTPUT for NAT, which sees both directions, and INPUT-ONLY for DR/TUN connections
// (IP_VS_CONN_F_NOOUTPUT: the director never sees the replies, LVS.md §4.4); and its default
// timeouts (`tcp_timeouts`, LVS.md §4.5).

export const TCP_STATES = [
  'NONE',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'SYNACK',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

/** Kernel defaults in seconds; `ipvsadm --set tcp tcpfin udp` changes ESTABLISHED and FIN_WAIT. */
export const DEFAULT_TCP_TIMEOUTS: Readonly<Record<TcpState, number>> = {
  NONE: 2,
  ESTABLISHED: 900,
  SYN_SENT: 120,
  SYN_RECV: 60,
  FIN_WAIT: 120,
  TIME_WAIT: 120,
  CLOSE: 10,
  CLOSE_WAIT: 60,
  LAST_ACK: 30,
  LISTEN: 120,
  SYNACK: 120,
};

/** What the director saw: a packet from the client (`in`) or from the real server (`out`). */
export type TcpDirection = 'in' | 'out';
/** The flag that drives the transition (`tcp_state_idx`: RST, then SYN, then FIN, then ACK). */
export type TcpFlag = 'syn' | 'fin' | 'ack' | 'rst';

type Row = readonly [TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState];
const ES = 'ESTABLISHED',
  SS = 'SYN_SENT',
  SR = 'SYN_RECV',
  FW = 'FIN_WAIT',
  TW = 'TIME_WAIT';
const CL = 'CLOSE',
  CW = 'CLOSE_WAIT',
  LA = 'LAST_ACK',
  LI = 'LISTEN';

// Columns follow TCP_STATES: sNO sES sSS sSR sFW sTW sCL sCW sLA sLI sSA.
const TABLE: Record<TcpDirection, Record<TcpFlag, Row>> = {
  in: {
    syn: [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    fin: [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW],
    ack: [CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    rst: [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR],
  },
  out: {
    syn: [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR],
    fin: [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW],
    ack: [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES],
    rst: [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL],
  },
};

// INPUT-ONLY: a client FIN on ESTABLISHED is FIN_WAIT (not CLOSE_WAIT), a RST on SYNACK is CLOSE.
const INPUT_ONLY: Record<TcpFlag, Row> = {
  syn: [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
  fin: [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW],
  ack: [CL, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
  rst: [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL],
};

/**
 * The next state after a packet with `flag` seen in `direction` (`set_tcp_state`); `inputOnly`
 * for a connection whose replies bypass the director (DR/TUN), seen from the client side.
 */
export function nextTcpState(state: TcpState, direction: TcpDirection, flag: TcpFlag, inputOnly = false): TcpState {
  const row = inputOnly && direction === 'in' ? INPUT_ONLY[flag] : TABLE[direction][flag];
  return row[TCP_STATES.indexOf(state)] ?? state;
}
