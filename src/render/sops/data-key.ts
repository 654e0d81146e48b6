// The 32-byte data key of a SOPS file, age-encrypted (armored) to each recipient in `sops.age`.
// age-encryption is imported when a SOPS file is met, so that a render without one (and every
// command's start-up) does not load it.
import { SopsError } from './errors.ts';
import { AGE_KEY_ENV, AGE_KEY_FILE_ENV, recipientsOf, type SopsKeys } from './keys.ts';
import type { AgeStanza, SopsMetadata } from './metadata.ts';

export const DATA_KEY_BYTES = 32;

/** Opens the data key with any of the identities; errors name the file and the recipients, never a key. */
export async function decryptDataKey(meta: SopsMetadata, keys: SopsKeys, file: string): Promise<Uint8Array> {
  if (meta.age.length === 0) {
    const others = meta.otherKeyTypes.length > 0 ? ` (it has only ${meta.otherKeyTypes.join(', ')} keys)` : '';
    throw new SopsError(file, 'unsupported', `is not encrypted to any age recipient${others}; capstan decrypts SOPS files with age keys only`);
  }
  const recipients = meta.age.map((a) => a.recipient).join(', ');
  if (keys.identities.length === 0) {
    throw new SopsError(file, 'no-key', `is SOPS-encrypted for age recipients ${recipients} but no age key is configured: set ${AGE_KEY_ENV} or ${AGE_KEY_FILE_ENV}`);
  }
  const { armor, Decrypter } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const id of keys.identities) decrypter.addIdentity(id);
  let failure: unknown;
  for (const stanza of meta.age) {
    let sealed: Uint8Array;
    try {
      sealed = armor.decode(stanza.enc);
    } catch (err) {
      failure ??= new SopsError(file, 'malformed', `has an age data key for ${stanza.recipient} that is not armored age`, { cause: err });
      continue;
    }
    try {
      const key = await decrypter.decrypt(sealed);
      if (key.length !== DATA_KEY_BYTES) {
        failure = new SopsError(file, 'malformed', `has an age data key for ${stanza.recipient} of ${key.length} bytes (expected ${DATA_KEY_BYTES})`);
        continue;
      }
      return key;
    } catch (err) {
      if (!/no identity matched/i.test((err as Error).message)) {
        failure ??= new SopsError(file, 'malformed', `has an age data key for ${stanza.recipient} that could not be opened`, { cause: err });
      }
    }
  }
  if (failure) throw failure;
  const mine = await recipientsOf(keys.identities);
  const from = keys.sources && keys.sources.length > 0 ? ` from ${keys.sources.join(', ')}` : '';
  throw new SopsError(
    file,
    'no-key',
    `is SOPS-encrypted for age recipients ${recipients}, and none of the configured age keys${from} (${mine.join(', ') || 'none usable'}) matches: ` +
      `set ${AGE_KEY_ENV} or ${AGE_KEY_FILE_ENV} to a key of one of those recipients`,
  );
}

/** Encrypts the data key to each recipient separately, as sops does (one `sops.age` entry each). */
export async function encryptDataKey(dataKey: Uint8Array, recipients: readonly string[]): Promise<AgeStanza[]> {
  const { armor, Encrypter } = await import('age-encryption');
  const out: AgeStanza[] = [];
  for (const recipient of recipients) {
    const encrypter = new Encrypter();
    encrypter.addRecipient(recipient);
    out.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return out;
}
