import { ValidationError } from '../../core/index.ts';

/**
 * What went wrong with a SOPS file:
 * - `no-key`: no configured age identity opens the data key;
 * - `integrity`: the MAC or a value's authentication tag does not verify (the file was edited or tampered with);
 * - `malformed`: the file, its metadata or an `ENC[...]` value cannot be read;
 * - `unsupported`: a valid SOPS feature capstan does not implement (PGP/KMS-only files, Shamir key groups, comment regexes).
 */
export type SopsErrorReason = 'no-key' | 'integrity' | 'malformed' | 'unsupported';

/**
 * A SOPS file could not be decrypted (or encrypted). The message starts with the file; it may name key
 * paths and age recipients (public keys) but never a value, plaintext or ciphertext.
 */
export class SopsError extends ValidationError {
  readonly reason: SopsErrorReason;
  readonly file: string;

  constructor(file: string, reason: SopsErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(message, { subject: file, cause: options.cause });
    this.reason = reason;
    this.file = file;
  }
}
