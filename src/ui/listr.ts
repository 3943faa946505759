// The TTY view: a listr2 tree (the run → batches → servers) grown from events as they arrive.
// NOTE: listr2 runs a task list it knows up front, so batches hang off a chain of title-less
// "slot" tasks: each waits for the next `batch-started`, then returns [that batch, the next slot].
// Title-less tasks render their subtasks at their own level, so the chain shows as a flat list.

import { Listr } from 'listr2';
import type { EventOf, ReleaseEvent, ServerOutcome } from '../events/types.ts';
import { createQueue, defer, type Deferred } from './async.ts';
import { formatEventLine, listNames } from './format.ts';
import type { Redact } from './redact.ts';
import { cleanField, mapStrings, toOneLine } from './sanitize.ts';
import { addOutput, attach, newView, rendererOptions, setTitle, StreamRenderer, type Ctx, type Task, type TaskView } from './listr-view.ts';
import type { EventSink, OutputStream } from './sink.ts';

export interface ListrSinkOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  redact: Redact;
  /** Colour our own words; false also replaces listr2's own styles with plain text (NO_COLOR). */
  color: boolean;
}

interface ServerState {
  name: string;
  view: TaskView;
  done: Deferred<EventOf<'server-finished'> | null>;
}

interface BatchState {
  view: TaskView;
  servers: ServerState[];
  done: Deferred<boolean | null>;
}

// A finished batch folds to one line unless a server in it failed (listr2 reads this per task list);
// the run's own list keeps the global `collapseSubtasks: false`, so every batch stays listed.
const FOLD = { collapseSubtasks: true };
const GOOD: readonly ServerOutcome[] = ['released', 'unchanged'];

export function createListrSink(options: ListrSinkOptions): EventSink {
  const clean = (text: string): string => toOneLine(options.redact(text));
  const describe = (event: ReleaseEvent): { subject: string; text: string } => {
    const line = formatEventLine(mapStrings(event, cleanField), { color: options.color });
    return { subject: clean(line.subject ?? ''), text: clean(line.text) };
  };

  const run = newView('release');
  const runDone = defer<string | null>();
  const batches = createQueue<BatchState>();
  const openBatches = new Map<number, BatchState>();
  const active = new Map<string, ServerState>();
  // Titles of servers working ahead of their batch (prepare runs early), used when their task appears.
  const early = new Map<string, string>();
  let runTitle = 'release';
  let running: Promise<unknown> | undefined;
  let finished = false;

  const serverTask = (state: ServerState): Task => ({
    title: state.view.title,
    task: async (_ctx, wrapper) => {
      attach(state.view, wrapper);
      const result = await state.done.promise;
      if (result === null) throw new Error(`${state.name}: no result (the run ended first)`);
      const title = `${state.name}: ${describe(result).text}`;
      if (GOOD.includes(result.outcome)) setTitle(state.view, title);
      else if (result.outcome === 'skipped') wrapper.skip(title);
      else throw new Error(title);
    },
    rendererOptions: { outputBar: 1 },
  });

  const batchTask = (batch: BatchState): Task => ({
    title: batch.view.title,
    task: (_ctx, wrapper) => {
      attach(batch.view, wrapper);
      const gate: Task = { task: async () => void (await batch.done.promise) };
      return wrapper.newListr([...batch.servers.map(serverTask), gate], { concurrent: true, exitOnError: false, rendererOptions: FOLD });
    },
  });

  const slot = (): Task => ({
    task: async (_ctx, wrapper) => {
      const batch = await batches.next();
      if (batch === null) return;
      return wrapper.newListr([batchTask(batch), slot()], { concurrent: true, exitOnError: false, rendererOptions: FOLD });
    },
  });

  const start = (): void => {
    const renderer = rendererOptions(options);
    const root = new Listr<Ctx, typeof StreamRenderer, typeof StreamRenderer>(
      [
        {
          title: run.title,
          task: (_ctx, wrapper) => {
            attach(run, wrapper);
            // A run that ends in failure (not a pause) fails this invisible task: the run shows "done with failures".
            // exitOnError stays false so the list still waits for every batch to finish drawing.
            const gate: Task = {
              task: async () => {
                const failure = await runDone.promise;
                if (failure !== null) throw new Error(failure);
              },
            };
            return wrapper.newListr([slot(), gate], { concurrent: true, exitOnError: false });
          },
          rendererOptions: { outputBar: 8, persistentOutput: true },
        },
      ],
      {
        renderer: StreamRenderer,
        fallbackRenderer: StreamRenderer,
        rendererOptions: renderer,
        fallbackRendererOptions: renderer,
        exitOnError: false,
        registerSignalListeners: false,
        ctx: {},
      },
    );
    running = root.run().catch(() => undefined);
  };

  // Every open promise settles: the tree completes even when the run ended early.
  const finishAll = (): void => {
    finished = true;
    batches.end();
    for (const batch of openBatches.values()) batch.done.resolve(null);
    for (const server of active.values()) server.done.resolve(null);
    openBatches.clear();
    active.clear();
    runDone.resolve(null);
  };

  const onServer = (server: string, kind: 'title' | 'output', text: string): void => {
    const state = active.get(server);
    if (kind === 'title') {
      if (state) setTitle(state.view, `${server}: ${text}`);
      else early.set(server, `${server}: ${text}`);
    } else if (state) addOutput(state.view, text);
  };

  const emit = (event: ReleaseEvent): void => {
    if (finished) return;
    if (running === undefined) start();
    const { subject, text } = describe(event);
    const full = subject ? `${subject} ${text}` : text;
    switch (event.type) {
      case 'run-started':
        runTitle = `${event.dryRun ? '[dry run] ' : ''}${event.command} ${event.release} → ${event.cluster}`;
        setTitle(run, clean(runTitle));
        if (event.forcedWindow) addOutput(run, full);
        return;
      case 'batch-started': {
        const purpose = event.purpose === 'rollback' ? 'rollback batch' : 'batch';
        const servers = event.servers.map((name): ServerState => {
          const state = { name, view: newView(early.get(name) ?? `${name}: waiting`), done: defer<EventOf<'server-finished'> | null>() };
          early.delete(name);
          active.get(name)?.done.resolve(null);
          active.set(name, state);
          return state;
        });
        const batch = { view: newView(clean(`${purpose} ${event.index + 1}: ${listNames(event.servers, 4)}`)), servers, done: defer<boolean | null>() };
        openBatches.set(event.index, batch);
        batches.push(batch);
        return;
      }
      case 'batch-finished': {
        const batch = openBatches.get(event.index);
        if (!batch) return;
        openBatches.delete(event.index);
        if (!event.ok) setTitle(batch.view, `${batch.view.title}: failed`);
        batch.done.resolve(event.ok);
        return;
      }
      case 'server-finished':
        active.get(event.server)?.done.resolve(event);
        active.delete(event.server);
        return;
      case 'run-finished':
        setTitle(run, `${clean(runTitle)}: ${text}`);
        if (event.exitCode !== 0 && event.outcome !== 'paused') runDone.resolve(run.title);
        finishAll();
        return;
      case 'step-started':
      case 'server-draining':
      case 'server-drained':
      case 'release-switch':
      case 'server-restored':
        onServer(event.server, 'title', text);
        return;
      case 'smoke':
        onServer(event.server, event.ok ? 'title' : 'output', text);
        return;
      case 'connections':
      case 'upload-progress':
        onServer(event.server, 'output', text);
        return;
      case 'step-finished':
        if (!event.ok) onServer(event.server, 'output', text);
        return;
      case 'host-check':
        if (!event.ok || event.skipped?.length) onServer(event.host, 'output', text);
        return;
      case 'director-action':
        if (event.stage === 'failed') onServer(event.server, 'output', text);
        return;
      case 'retry':
        if (event.server !== undefined && active.has(event.server)) onServer(event.server, 'output', text);
        else addOutput(run, full);
        return;
      case 'warning':
      case 'plan':
      case 'preflight':
      case 'marked-bad':
      case 'paused':
      case 'once-started':
      case 'once-step-started':
      case 'once-finished':
        addOutput(run, full);
        return;
      case 'once-step-finished':
        if (!event.ok) addOutput(run, full);
        return;
      case 'command':
        return;
      default:
        // A new event type must be routed here (or deliberately ignored above).
        event satisfies never;
    }
  };

  const close = async (): Promise<void> => {
    if (!finished) finishAll();
    await running;
  };

  return { emit, close };
}
