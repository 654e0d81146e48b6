// SOPS for capstan's render step: decrypt YAML and JSON files encrypted with age (MAC checked), as
// Flux's kustomize-controller does, and encrypt them for fixtures and the example repository.
export { decryptSops, isSopsEncrypted, readSopsStructure, sopsFormatOf, type SopsFormat } from './decrypt.ts';
export { encryptSops, SOPS_FORMAT_VERSION, type EncryptSopsOptions } from './encrypt.ts';
export { AGE_KEY_ENV, AGE_KEY_FILE_ENV, loadSopsKeys, parseAgeIdentities, type LoadSopsKeysOptions, type SopsKeys } from './keys.ts';
export { SopsError, type SopsErrorReason } from './errors.ts';
export type { EncryptionRules } from './metadata.ts';
