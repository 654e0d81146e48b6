/** Every annotation and label key capstan reads or writes, under the capstan.dev/ prefix. */
export const annotations = {
  /** Sync wave of an object: lower waves are applied (and healthy) before higher ones. */
  syncWave: 'capstan.dev/sync-wave',
  /**
   * `PreSync`, `Sync`, `PostSync` or `SyncFail`: a hook (a Job, a Pod, any kind) run in that phase (as Argo CD's
   * hooks); `Skip`: the object is never applied.
   */
  hook: 'capstan.dev/hook',
  /** `BeforeHookCreation` (default), `HookSucceeded`, `HookFailed`, comma-separated: when a hook's object is deleted. */
  hookDeletePolicy: 'capstan.dev/hook-delete-policy',
  /**
   * `"true"`: only the fields the manifest sets are applied, to an object that must already exist
   * (as `kubectl patch` or `kubectl set image` do): capstan never creates, labels, prunes or deletes
   * it, and a missing object fails the sync naming it. The annotation itself is not applied. The
   * pins layout's `<service>.deployment` pins render such objects.
   */
  patchExisting: 'capstan.dev/patch-existing',
  /** `disabled`: never prune this object. */
  prune: 'capstan.dev/prune',
  /** Rules of `capstan lint` not checked on this object, comma-separated: `container-probes,run-as-root`. */
  lintDisable: 'capstan.dev/lint-disable',
  /** Which app and environment own an object: `<app>/<env>`. */
  owner: 'capstan.dev/owner',
  /** On a sync's Lease: the host of the process holding it. */
  lockHost: 'capstan.dev/lock-host',
  /** On a sync's Lease: the process id holding it (a holder on this host whose process is gone is not waited for). */
  lockPid: 'capstan.dev/lock-pid',
} as const;

/**
 * Argo CD's annotations, honoured as Argo CD honours them next to capstan's own (a repo written
 * for Argo CD means what it meant). Where both are set they must agree.
 */
export const argoAnnotations = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  /** Comma-separated: `Prune=false`, `Delete=false`, `SkipDryRunOnMissingResource=true`, `ServerSideApply=true`, `Replace=true`. */
  syncOptions: 'argocd.argoproj.io/sync-options',
  /** `IgnoreExtraneous`. */
  compareOptions: 'argocd.argoproj.io/compare-options',
} as const;

/** Helm's hook annotations, read in plain directories as Argo CD reads them (after capstan's and Argo CD's own). */
export const helmAnnotations = {
  hook: 'helm.sh/hook',
  hookWeight: 'helm.sh/hook-weight',
  hookDeletePolicy: 'helm.sh/hook-delete-policy',
} as const;

export const labels = {
  /** Marks every object capstan applied, with the owning app's name. */
  app: 'capstan.dev/app',
  /** The environment an object was applied for. */
  env: 'capstan.dev/env',
} as const;
