#!/usr/bin/env node
// Runs the TypeScript CLI in this same process (tsx's loader registered in-process), so signals
// reach the CLI directly and a killed `capstan` never leaves a child behind.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
