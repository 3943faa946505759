// The listr2 side of the TTY view: a renderer bound to injected streams, and task views that
// hold a title and output until listr2 hands over the task (events can arrive before it starts).

import { DefaultRenderer, ListrDefaultRendererLogLevels, ListrLogger, ProcessOutput, type ListrTask, type ListrTaskWrapper } from 'listr2';
import type { OutputStream } from './sink.ts';

// listr2 chooses its renderer by looking at process.stdout; the reporter already decided from the injected stream.
export class StreamRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

export type Ctx = Record<string, never>;
export type Task = ListrTask<Ctx, typeof StreamRenderer, typeof StreamRenderer>;
export type Wrapper = ListrTaskWrapper<Ctx, typeof StreamRenderer, typeof StreamRenderer>;

/** A task's title and output, kept until listr2 hands over the task's wrapper. */
export interface TaskView {
  title: string;
  pending: string[];
  wrapper?: Wrapper;
}

const PENDING_LIMIT = 20;

export function newView(title: string): TaskView {
  return { title, pending: [] };
}

export function setTitle(view: TaskView, title: string): void {
  view.title = title;
  if (view.wrapper) view.wrapper.title = title;
}

export function addOutput(view: TaskView, line: string): void {
  if (view.wrapper) view.wrapper.output = line;
  else if (view.pending.push(line) > PENDING_LIMIT) view.pending.shift();
}

export function attach(view: TaskView, wrapper: Wrapper): void {
  view.wrapper = wrapper;
  wrapper.title = view.title;
  for (const line of view.pending.splice(0)) wrapper.output = line;
}

/** Renderer options for the injected streams; `color: false` replaces listr2's own styles with plain text. */
export function rendererOptions(options: { stdout: OutputStream; stderr: OutputStream; color: boolean }) {
  const processOutput = new ProcessOutput(options.stdout as NodeJS.WriteStream, options.stderr as NodeJS.WriteStream);
  const plain = (text?: string): string => text ?? '';
  const noColor = Object.fromEntries(Object.values(ListrDefaultRendererLogLevels).map((level) => [level, plain]));
  return {
    logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput }),
    formatOutput: 'truncate' as const,
    collapseSubtasks: false,
    ...(options.color ? {} : { color: noColor }),
  };
}
