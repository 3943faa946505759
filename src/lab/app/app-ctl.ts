// `app-ctl`, the lab's service manager for the app: restart | start | stop | status | version.
import type { ToolHandler, ToolResult } from '../tools/tool-server.ts';
import type { App, StartResult } from './app.ts';

const USAGE = 'usage: app-ctl restart|start|stop|status|version\n';
/** Like systemctl/LSB: `status` of a stopped service exits 3. */
const EXIT_NOT_RUNNING = 3;

function started(app: App, verb: string, result: StartResult): ToolResult {
  if (!result.ok) return { stderr: `app-ctl: ${app.name} failed to start: ${result.reason}\n`, exitCode: 1 };
  return { stdout: `app-ctl: ${app.name} ${verb}: version ${result.version} (id ${result.id})\n`, exitCode: 0 };
}

/** Runs one app-ctl command against an app; the answer is the tool's output and exit code. */
export async function runAppCtl(app: App, argv: readonly string[]): Promise<ToolResult> {
  const [command, ...rest] = argv;
  if (rest.length > 0) return { stderr: USAGE, exitCode: 2 };
  switch (command) {
    case 'restart':
      return started(app, 'restarted', await app.restart());
    case 'start':
      return started(app, 'started', await app.start());
    case 'stop':
      await app.stop();
      return { stdout: `app-ctl: ${app.name} stopped\n`, exitCode: 0 };
    case 'status': {
      const s = app.status();
      if (!s.running) return { stdout: `${app.name}: stopped port=${s.port}\n`, exitCode: EXIT_NOT_RUNNING };
      const since = new Date(s.startedAt ?? 0).toISOString();
      return {
        stdout: `${app.name}: running version=${s.version} id=${s.id} port=${s.port} since=${since} inflight=${s.inFlight}\n`,
        exitCode: 0,
      };
    }
    case 'version': {
      const s = app.status();
      if (!s.running) return { stderr: `app-ctl: ${app.name} is not running\n`, exitCode: EXIT_NOT_RUNNING };
      return { stdout: `${s.version}\n`, exitCode: 0 };
    }
    default:
      return { stderr: USAGE, exitCode: 2 };
  }
}

/** The `app-ctl` tool handler: finds the calling host's app by `$LAB_HOST`. */
export function createAppCtlHandler(appOf: (host: string) => App | undefined): ToolHandler {
  return async ({ host, argv }) => {
    const app = appOf(host);
    if (!app) return { stderr: `app-ctl: no app on host ${JSON.stringify(host)}\n`, exitCode: 1 };
    return runAppCtl(app, argv);
  };
}
