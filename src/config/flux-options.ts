/**
 * Flux's Kustomization options written on an app (`targetNamespace`, `patches`, `postBuild`,
 * `wait`, `timeout`, `retryInterval`), read as Flux reads them and mapped onto capstan's settings:
 * the first three become the app's `postRender`, the others its sync options. Pure.
 */
import { isScalar, parse as parseYaml } from 'yaml';
import { parseDuration } from './duration.ts';
import type { PatchTarget, PostRender, RenderPatch, SubstituteFrom, SyncOptions } from './types.ts';
import type { Slot, YamlReader } from './yaml-reader.ts';

export const fluxAppFields = ['targetNamespace', 'patches', 'postBuild', 'wait', 'timeout', 'retryInterval'] as const;
const patchFields = ['patch', 'target'] as const;
const targetFields = ['group', 'version', 'kind', 'name', 'namespace', 'labelSelector', 'annotationSelector'] as const;
const postBuildFields = ['substitute', 'substituteFrom'] as const;
const substituteFromFields = ['kind', 'name', 'optional'] as const;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Flux's variable names: a letter or `_`, then letters, digits and `_`. */
export const variableNamePattern = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * Reads the Flux options among an app's fields: `postRender` when any of targetNamespace, patches
 * or postBuild is set, and `timeout` / `retryInterval` written into `syncOptions` (which they
 * cannot be set together with).
 */
export function readFluxOptions(reader: YamlReader, fields: ReadonlyMap<string, Slot>, syncOptions: SyncOptions, syncOptionsSlot: Slot | undefined): { postRender?: PostRender } {
  const targetSlot = fields.get('targetNamespace');
  const patchesSlot = fields.get('patches');
  const postBuildSlot = fields.get('postBuild');
  const result: { postRender?: PostRender } = {};
  if (targetSlot || patchesSlot || postBuildSlot) {
    const postRender: PostRender = { patches: [], substitute: {}, substituteFrom: [] };
    const targetNamespace = targetSlot && readLabel(reader, targetSlot, 'a namespace name');
    if (targetNamespace !== undefined) postRender.targetNamespace = targetNamespace;
    if (patchesSlot) postRender.patches = readPatches(reader, patchesSlot);
    if (postBuildSlot) Object.assign(postRender, readPostBuild(reader, postBuildSlot));
    result.postRender = postRender;
  }
  const written = (name: string): Slot | undefined => (syncOptionsSlot ? reader.descend(syncOptionsSlot, [name]) : undefined);
  const timeoutSlot = fields.get('timeout');
  if (timeoutSlot) {
    const ms = readDuration(reader, timeoutSlot);
    if (written('timeout')?.node !== undefined) reader.report(timeoutSlot, 'is Flux\'s name for syncOptions.timeout, which is also set: keep one of them');
    else if (ms !== undefined) syncOptions.timeoutMs = ms;
  }
  const retrySlot = fields.get('retryInterval');
  if (retrySlot) {
    const ms = readDuration(reader, retrySlot);
    const retry = written('retry');
    const set = ['backoff', 'maxBackoff'].filter((f) => retry && reader.descend(retry, [f]).node !== undefined);
    if (set.length > 0) reader.report(retrySlot, `retries at a fixed interval, as Flux does, but syncOptions.retry.${set[0]} is also set: keep one of them`);
    else if (ms !== undefined) syncOptions.retry = { ...syncOptions.retry, backoffMs: ms, maxBackoffMs: ms };
  }
  const waitSlot = fields.get('wait');
  if (waitSlot && reader.boolean(waitSlot) === false) syncOptions.wait = false;
  return result;
}

/** `patches` and `postBuild` under `environments.<env>`; undefined when neither is set. */
export function readEnvironmentFluxOptions(reader: YamlReader, fields: ReadonlyMap<string, Slot>): Omit<PostRender, 'targetNamespace'> | undefined {
  const patchesSlot = fields.get('patches');
  const postBuildSlot = fields.get('postBuild');
  if (!patchesSlot && !postBuildSlot) return undefined;
  return { patches: patchesSlot ? readPatches(reader, patchesSlot) : [], ...(postBuildSlot ? readPostBuild(reader, postBuildSlot) : { substitute: {}, substituteFrom: [] }) };
}

function readLabel(reader: YamlReader, slot: Slot, what: string): string | undefined {
  const text = reader.string(slot, what);
  if (text === undefined) return undefined;
  if (text.length <= 63 && dnsLabel.test(text)) return text;
  reader.report(slot, `must be ${what} (at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit), got ${reader.describe(slot)}`);
  return undefined;
}

function readDuration(reader: YamlReader, slot: Slot): number | undefined {
  const text = reader.isNonString(slot) ? undefined : reader.string(slot, 'a duration such as 30s, 5m or 1h30m');
  const ms = text === undefined ? undefined : parseDuration(text.trim());
  if (ms === undefined || ms <= 0) {
    if (text !== undefined || reader.isNonString(slot)) reader.report(slot, `must be a duration above zero such as 30s, 5m or 1h30m (units h, m, s, ms), got ${reader.describe(slot)}`);
    return undefined;
  }
  return ms;
}

/** `patches:` as Flux writes them: `- patch: <YAML text>` with an optional `target`. */
function readPatches(reader: YamlReader, slot: Slot): RenderPatch[] {
  const items = reader.items(slot, 'a list of patches, e.g. "- { patch: \\"...\\", target: { kind: Deployment } }"') ?? [];
  const patches: RenderPatch[] = [];
  for (const item of items) {
    const fields = reader.fields(item, { fields: patchFields, hints: { path: 'patches are written inline, as Flux writes them: put the patch\'s YAML under patch: |' } }, 'a mapping with patch (and target)');
    if (fields === undefined) continue;
    const patchSlot = reader.require(fields, item, 'patch', 'the patch, as YAML text: a strategic merge patch (an object with apiVersion, kind and metadata.name) or a JSON 6902 patch (a list of operations)');
    const targetSlot = fields.get('target');
    const target = targetSlot && readTarget(reader, targetSlot);
    if (!patchSlot) continue;
    const text = reader.string(patchSlot, 'the patch as YAML text (write patch: | and the patch below it, as Flux does)');
    if (text === undefined) continue;
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      reader.report(patchSlot, `is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    if (Array.isArray(parsed)) {
      const problem = parsed.map((op, i) => jsonPatchProblem(op, i)).find((p) => p !== undefined);
      if (problem) {
        reader.report(patchSlot, `is a JSON 6902 patch with a bad operation: ${problem}`);
        continue;
      }
      if (!targetSlot) {
        reader.report(patchSlot, 'is a JSON 6902 patch, which names no object: add a target such as { kind: Deployment, name: web }');
        continue;
      }
    } else if (typeof parsed !== 'object' || parsed === null) {
      reader.report(patchSlot, 'must be a strategic merge patch (an object with apiVersion, kind and metadata.name) or a JSON 6902 patch (a list of operations)');
      continue;
    } else if (!targetSlot) {
      const object = parsed as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
      if (typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
        reader.report(patchSlot, 'names no object: a strategic merge patch without a target needs kind and metadata.name (and apiVersion); or add a target');
        continue;
      }
    }
    const patch: RenderPatch = { patch: text };
    if (target !== undefined) patch.target = target;
    patches.push(patch);
  }
  return patches;
}

function jsonPatchProblem(op: unknown, index: number): string | undefined {
  const ops = ['add', 'remove', 'replace', 'move', 'copy', 'test'];
  if (typeof op !== 'object' || op === null || Array.isArray(op)) return `operation ${index + 1} must be a mapping such as { op: replace, path: /spec/replicas, value: 3 }`;
  const { op: name, path } = op as { op?: unknown; path?: unknown };
  if (typeof name !== 'string' || !ops.includes(name)) return `operation ${index + 1} has op ${JSON.stringify(name)}: write one of ${ops.join(', ')}`;
  if (typeof path !== 'string' || !(path === '' || path.startsWith('/'))) return `operation ${index + 1} (${name}) needs a path that is a JSON pointer, such as /spec/replicas`;
  return undefined;
}

function readTarget(reader: YamlReader, slot: Slot): PatchTarget | undefined {
  const fields = reader.fields(slot, { fields: targetFields, hints: { apiVersion: 'write group and version apart', labelSelectors: 'did you mean "labelSelector"?' } }, 'a mapping such as { kind: Deployment, name: web }');
  if (fields === undefined) return undefined;
  const target: PatchTarget = {};
  for (const key of targetFields) {
    const s = fields.get(key);
    if (!s) continue;
    if (key === 'group' && isScalar(s.node) && s.node.value === '') {
      target.group = '';
      continue;
    }
    const value = reader.string(s, key.endsWith('Selector') ? 'a selector such as app=web,tier!=cache' : `a ${key}`);
    if (value !== undefined) target[key] = value;
  }
  if (fields.size === 0) reader.report(slot, 'selects every object: name a kind, a name or a selector, or remove target');
  return target;
}

function readPostBuild(reader: YamlReader, slot: Slot): Pick<PostRender, 'substitute' | 'substituteFrom'> {
  const result: Pick<PostRender, 'substitute' | 'substituteFrom'> = { substitute: {}, substituteFrom: [] };
  const fields = reader.fields(slot, { fields: postBuildFields }, 'a mapping with substitute and/or substituteFrom');
  if (fields === undefined) return result;
  const substituteSlot = fields.get('substitute');
  for (const { key, keyNode, value } of (substituteSlot && reader.entries(substituteSlot, 'a mapping of variable names to values, e.g. { cluster_env: prod }')) || []) {
    if (!variableNamePattern.test(key)) {
      reader.reportNode(keyNode, value.path, `must be a variable name (a letter or "_", then letters, digits and "_"), got "${key}"`);
      continue;
    }
    if (!isScalar(value.node) || value.node.value === null || value.node.value === undefined) {
      reader.expected(value, 'a value (text; numbers and booleans are read as written)');
      continue;
    }
    result.substitute[key] = typeof value.node.value === 'string' ? value.node.value : (value.node.source ?? String(value.node.value));
  }
  const fromSlot = fields.get('substituteFrom');
  for (const item of (fromSlot && reader.items(fromSlot, 'a list such as [{ kind: ConfigMap, name: cluster-vars }]')) || []) {
    const from = reader.fields(item, { fields: substituteFromFields }, 'a mapping such as { kind: ConfigMap, name: cluster-vars }');
    if (from === undefined) continue;
    const kindSlot = reader.require(from, item, 'kind', 'ConfigMap or Secret');
    const kind = kindSlot && reader.oneOf(kindSlot, ['ConfigMap', 'Secret'] as const);
    const nameSlot = reader.require(from, item, 'name', 'the name of the ConfigMap or Secret, in the app\'s namespace');
    const name = nameSlot && reader.string(nameSlot, 'a ConfigMap or Secret name');
    if (nameSlot && name !== undefined && !(name.length <= 253 && dnsSubdomain.test(name))) reader.report(nameSlot, `must be an object name (lowercase letters, digits, "-" and "."), got ${reader.describe(nameSlot)}`);
    const optionalSlot = from.get('optional');
    const optional = (optionalSlot && reader.boolean(optionalSlot)) ?? false;
    if (kind !== undefined && name !== undefined) result.substituteFrom.push({ kind, name, optional } satisfies SubstituteFrom);
  }
  if (!fields.has('substitute') && !fields.has('substituteFrom')) reader.report(slot, 'substitutes nothing: set substitute or substituteFrom');
  return result;
}
