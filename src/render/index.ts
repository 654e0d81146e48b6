/**
 * render — turns an app's source in the config repo into Kubernetes objects: plain directories,
 * kustomizations (`kubectl kustomize` or a kustomize binary), Helm charts, and the image-pins
 * layout; applies per-environment image overrides; decrypts SOPS files; validates a whole render
 * before anything is applied; writes release snapshots. Imports core and config (and source's
 * safe repo paths).
 */
export { renderApp, detectAppType } from './render-app.ts';
export { RenderCache, type RenderCacheOptions } from './render-cache.ts';
export { validateObjects } from './validate-objects.ts';
export { checkSchemas, type SchemaCheck, type UncheckedObject } from './check-schemas.ts';
export { builtinSchemaRelease } from './builtin-schemas.ts';
export { writeSnapshot, snapshotPath, clusterFolder } from './write-snapshot.ts';
export { sortObjects } from './sort-objects.ts';
export { applyImageOverrides, containersOf, overrideImage, parseImage, podSpecOf, formatImage, type ImageReference } from './image-overrides.ts';
export { applyKbldLock, kbldApiVersion, parseKbldLock, readKbldLock, type LockedImage } from './kbld-lock.ts';
export { parseManifests, type ParseManifestsOptions, type ParsedManifests } from './parse-manifests.ts';
export { kustomizeCommand, type KustomizeCommand } from './render-kustomize.ts';
export { walkKustomization, isRemote, kustomizationFileNames, type KustomizationWalk } from './kustomization-paths.ts';
export { RenderValidationError, formatProblem } from './render-error.ts';
export type {
  DecryptSopsFunction,
  KindLookup,
  RenderedObject,
  RenderHelmFunction,
  RenderOptions,
  ClusterCapabilities,
  RenderProblem,
  RenderResult,
  ValidateObjectsOptions,
} from './types.ts';
export { findHelm, renderHelmChart, type HelmRenderOptions } from './helm.ts';
export { defaultChartCacheDir, defaultIndexTtlMs, fetchChart, type ChartCredentials, type ChartFetchOptions, type ChartRequest, type FetchedChart } from './chart-source/index.ts';
export { decryptSops, encryptSops, isSopsEncrypted, loadSopsKeys, type EncryptSopsOptions, type SopsKeys } from './sops/index.ts';
export { applyPostRender, substituteAnnotation, substituteVariables, type PostRenderOptions, type PostRenderResult, type ReadVariables } from './post-render.ts';
