// Generates the web UI's API types, ui/src/api/schema.ts, from the server's src/server/openapi.json
// with openapi-typescript, so the UI and the API cannot drift apart silently. Run by scripts/build-ui.mjs
// (and so by `npm run build`). `--check` writes nothing and exits 1 when the file is stale
// (ui/src/api/schema.test.ts runs it).
import openapiTS, { astToString } from 'openapi-typescript';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const specPath = path.join(root, 'src', 'server', 'openapi.json');
const outPath = path.join(root, 'ui', 'src', 'api', 'schema.ts');

const header = '// Generated from src/server/openapi.json by scripts/gen-ui-api.mjs (npm run build): do not edit.\n\n';

/** The text schema.ts must have for the current openapi.json. */
export async function generateUiApi() {
  const spec = JSON.parse(readFileSync(specPath, 'utf8'));
  return header + astToString(await openapiTS(spec));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generateUiApi();
  let current = '';
  try {
    current = readFileSync(outPath, 'utf8');
  } catch {
    // not generated yet
  }
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error('ui/src/api/schema.ts is stale: run `npm run build` (or node scripts/gen-ui-api.mjs)');
      process.exit(1);
    }
  } else if (current !== text) {
    writeFileSync(outPath, text);
    console.log('generated ui/src/api/schema.ts');
  }
}
