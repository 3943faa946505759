// The lab's own record of what a release physically needed, for benchmarks (`startLab({ trace: true })`):
// when each server's flows through the VIP ended, when its app was restarted and listened again,
// when a new instance first answered 2xx, and every SSH exec the hosts ran. Off by default: under
// endless load it only grows.

/** A server's open flows through the VIP went from 0 to 1 (`open: 1`) or from 1 to 0 (`open: 0`). */
export interface FlowEdge {
  server: string;
  at: number;
  open: 0 | 1;
}

/** One `app-ctl` call, from the lab receiving it to its answer. */
export interface AppCtlCall {
  server: string;
  command: string;
  from: number;
  to: number;
  exitCode: number;
}

/** One SSH exec on a lab host: the request arriving → its channel closed. */
export interface ExecRecord {
  host: string;
  command: string;
  from: number;
  to: number;
}

/** An app instance listening. */
export interface AppStart {
  server: string;
  id: number;
  version: string;
  at: number;
}

/** The first 2xx response of an app instance. */
export interface FirstOk {
  server: string;
  id: number;
  status: number;
  arrivedAt: number;
  at: number;
}

export interface LabTraceData {
  flowEdges: FlowEdge[];
  execs: ExecRecord[];
  appCtl: AppCtlCall[];
  appStarts: AppStart[];
  firstOk: FirstOk[];
}

export interface LabTrace {
  flowOpened(server: string, at: number): void;
  flowEnded(server: string, at: number): void;
  exec(record: ExecRecord): void;
  appCtl(call: AppCtlCall): void;
  appStarted(start: AppStart): void;
  responded(response: { server: string; id: number; status: number; arrivedAt: number; at: number }): void;
  data(): LabTraceData;
  /** Forgets what was recorded (open flows still count). */
  reset(): void;
}

export function createLabTrace(): LabTrace {
  const open = new Map<string, number>();
  const answered = new Set<number>();
  let data: LabTraceData = { flowEdges: [], execs: [], appCtl: [], appStarts: [], firstOk: [] };
  return {
    flowOpened(server, at) {
      const n = (open.get(server) ?? 0) + 1;
      open.set(server, n);
      if (n === 1) data.flowEdges.push({ server, at, open: 1 });
    },
    flowEnded(server, at) {
      const n = Math.max(0, (open.get(server) ?? 0) - 1);
      open.set(server, n);
      if (n === 0) data.flowEdges.push({ server, at, open: 0 });
    },
    exec: (record) => void data.execs.push(record),
    appCtl: (call) => void data.appCtl.push(call),
    appStarted: (start) => void data.appStarts.push(start),
    responded({ server, id, status, arrivedAt, at }) {
      if (status < 200 || status > 299 || answered.has(id)) return;
      answered.add(id);
      data.firstOk.push({ server, id, status, arrivedAt, at });
    },
    data: () => ({
      flowEdges: [...data.flowEdges],
      execs: [...data.execs],
      appCtl: [...data.appCtl],
      appStarts: [...data.appStarts],
      firstOk: [...data.firstOk],
    }),
    reset() {
      data = { flowEdges: [], execs: [], appCtl: [], appStarts: [], firstOk: [] };
    },
  };
}
