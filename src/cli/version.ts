import { readFileSync } from 'node:fs';

/** capstan's version (package.json's), from the sources and from the bundle alike (both sit two levels below the root). */
export const capstanVersion: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
