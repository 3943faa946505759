// Colour for our own text, decided once by the caller (NO_COLOR, TTY) and never by the stream.

import { styleText } from 'node:util';

export interface Paint {
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  strong(text: string): string;
}

const plain = (text: string): string => text;

export const noPaint: Paint = { ok: plain, bad: plain, warn: plain, dim: plain, strong: plain };

/** `color: false` gives text untouched; `true` always styles (the caller already checked the terminal). */
export function createPaint(color: boolean): Paint {
  if (!color) return noPaint;
  const style =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      styleText(format, text, { validateStream: false });
  return { ok: style('green'), bad: style('red'), warn: style('yellow'), dim: style('dim'), strong: style('bold') };
}
