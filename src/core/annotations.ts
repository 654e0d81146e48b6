/** Every annotation and label key capstan reads or writes, under the capstan.dev/ prefix. */
export const annotations = {
  /** Sync wave of an object: lower waves are applied (and healthy) before higher ones. */
  syncWave: 'capstan.dev/sync-wave',
  /** `PreSync` or `PostSync`: a hook Job run before or after the app's objects. */
  hook: 'capstan.dev/hook',
  /** `disabled`: never prune this object. */
  prune: 'capstan.dev/prune',
  /** Which app and environment own an object: `<app>/<env>`. */
  owner: 'capstan.dev/owner',
  /** On a sync's Lease: the host of the process holding it. */
  lockHost: 'capstan.dev/lock-host',
  /** On a sync's Lease: the process id holding it (a holder on this host whose process is gone is not waited for). */
  lockPid: 'capstan.dev/lock-pid',
} as const;

export const labels = {
  /** Marks every object capstan applied, with the owning app's name. */
  app: 'capstan.dev/app',
  /** The environment an object was applied for. */
  env: 'capstan.dev/env',
} as const;
