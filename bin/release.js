#!/usr/bin/env node
// Entry point. In a checkout, Node runs the TypeScript sources directly (type stripping);
// an installed package runs the compiled `dist/` (Node refuses to strip types under node_modules).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
const compiled = new URL('../dist/cli.js', import.meta.url);
const useSource = existsSync(source) && process.features.typescript;
const { main } = await import(useSource ? source.href : compiled.href);
await main(process.argv.slice(2));
