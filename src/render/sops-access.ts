import { ValidationError } from '../core/index.ts';
import { decryptSops, isSopsEncrypted, loadSopsKeys, readSopsStructure, type SopsKeys } from './sops/index.ts';
import type { RenderOptions } from './types.ts';

/**
 * SOPS for one render: keys are taken from the options, or loaded from the environment the first
 * time an encrypted file is met (so apps without secrets never need keys).
 */
export class SopsAccess {
  private keys: Promise<SopsKeys> | undefined;
  /** Whether this render decrypted anything: its output then holds secret material (never cached). */
  decrypted = false;

  constructor(private readonly options: RenderOptions) {
    if (options.sopsKeys) this.keys = Promise.resolve(options.sopsKeys);
  }

  isEncrypted(text: string): boolean {
    return isSopsEncrypted(text);
  }

  /** The plaintext of an encrypted file; `file` is repo-relative and named in every error. */
  async decrypt(text: string, file: string): Promise<string> {
    this.keys ??= loadSopsKeys(this.options.env ?? process.env);
    const keys = await this.keys;
    if (keys.identities.length === 0) {
      if (keys.structureOnly) {
        const placeholders = readSopsStructure(text, file);
        keys.structureOnly.add(file);
        this.decrypted = true; // its values are placeholders: never cached, never taken for the file's
        return placeholders;
      }
      throw new ValidationError(
        `${file} is SOPS-encrypted but no age key is configured: set SOPS_AGE_KEY_FILE (a file of AGE-SECRET-KEY-1… lines) or SOPS_AGE_KEY (the keys themselves)`,
      );
    }
    this.decrypted = true;
    return (this.options.decryptSops ?? decryptSops)(text, file, keys);
  }
}
