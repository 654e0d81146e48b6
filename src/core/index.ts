export * from './resource-key.ts';
export * from './health.ts';
export * from './annotations.ts';
export * from './errors.ts';
export * from './change-set.ts';
export * from './builtin-kinds.ts';
