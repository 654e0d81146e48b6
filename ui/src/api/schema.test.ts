// @vitest-environment node
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('ui/src/api/schema.ts', () => {
  it('is what scripts/gen-ui-api.mjs generates from src/server/openapi.json (else: npm run build)', () => {
    const root = path.join(import.meta.dirname, '..', '..', '..');
    let output = '';
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts', 'gen-ui-api.mjs'), '--check'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      output = String((err as { stderr?: string }).stderr ?? err);
    }
    expect(output).toBe('');
  }, 60_000);
});
