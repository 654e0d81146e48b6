import type { ApiCore } from '../api.ts';
import { ApiError } from '../api-error.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject } from '../types.ts';
import type { Controller } from './scheduler.ts';
import { clone, deleteObject, isRecord, keyOf, managers, resources, specOf, splitKey, statusOf, str, writeObject, writeStatus, type Json } from './shared.ts';

export const provisioner = 'sandbox.capstan.dev/hostpath';

/**
 * A dynamic provisioner and the persistent-volume binder in one: every claim gets a hostPath
 * PersistentVolume `pvc-<uid>` sized from its request and is Bound to it; a deleted claim's volume
 * goes with it when its reclaim policy is Delete.
 */
export class PersistentVolumeClaimController implements Controller {
  readonly name = 'persistentvolumeclaim';
  readonly priority = 2;

  constructor(private readonly api: ApiCore) {}

  initialKeys(): string[] {
    return [
      ...this.api.store.list(resources.claims).map((c) => `claim:${keyOf(c)}`),
      ...this.api.store.list(resources.volumes).map((v) => `volume:${keyOf(v)}`),
    ];
  }

  keysFor(event: StoreEvent): string[] {
    if (event.resource === resources.claims) {
      if (event.type !== 'DELETED') return [`claim:${keyOf(event.object)}`];
      const volume = str(specOf(event.object).volumeName) || `pvc-${event.object.metadata.uid}`;
      return [`volume:${volume}`];
    }
    return [];
  }

  async reconcile(key: string): Promise<void> {
    if (key.startsWith('volume:')) return this.reclaim(key.slice('volume:'.length));
    if (key.startsWith('claim:')) return this.bind(key.slice('claim:'.length));
  }

  private async bind(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    let claim = this.api.store.get(resources.claims, namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const spec = specOf(claim);
    if (statusOf(claim).phase === 'Bound' && spec.volumeName) return;
    const volumeName = str(spec.volumeName) || `pvc-${claim.metadata.uid}`;
    const requests = isRecord(spec.resources) && isRecord(spec.resources.requests) ? spec.resources.requests : {};
    const storage = str(requests.storage, '1Gi');
    let volume = this.api.store.get(resources.volumes, undefined, volumeName);
    if (!volume) {
      if (spec.volumeName) return; // bound by hand to a volume that does not exist (yet)
      volume = await this.provision(claim, volumeName, storage);
    }
    if (!spec.volumeName) {
      const next = clone(claim);
      (next.spec as Json).volumeName = volumeName;
      next.metadata.annotations = {
        ...(next.metadata.annotations ?? {}),
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': provisioner,
        'volume.kubernetes.io/storage-provisioner': provisioner,
      };
      try {
        claim = await writeObject(this.api, this.api.type('v1', 'PersistentVolumeClaim'), next, managers.volume);
      } catch (error) {
        // a validator that keeps the claim spec immutable: bind through status only
        if (!(error instanceof ApiError && error.code === 422)) throw error;
      }
    }
    const capacity = isRecord(specOf(volume).capacity) ? (specOf(volume).capacity as Json) : { storage };
    const status: Json = {
      ...clone(statusOf(claim)),
      phase: 'Bound',
      ...(Array.isArray(spec.accessModes) ? { accessModes: [...(spec.accessModes as unknown[])] } : {}),
      capacity: { ...capacity },
    };
    await writeStatus(this.api, this.api.type('v1', 'PersistentVolumeClaim'), claim, status, managers.volume);
  }

  private async provision(claim: KubeObject, name: string, storage: string): Promise<KubeObject> {
    const spec = specOf(claim);
    const type = this.api.type('v1', 'PersistentVolume');
    const volume: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': provisioner } },
      spec: {
        ...(Array.isArray(spec.accessModes) ? { accessModes: [...(spec.accessModes as unknown[])] } : {}),
        capacity: { storage },
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          name: claim.metadata.name,
          namespace: claim.metadata.namespace,
          uid: claim.metadata.uid,
        },
        hostPath: { path: `/var/lib/capstan-sandbox/volumes/${name}`, type: '' },
        persistentVolumeReclaimPolicy: 'Delete',
        ...(typeof spec.storageClassName === 'string' ? { storageClassName: spec.storageClassName } : {}),
        volumeMode: str(spec.volumeMode, 'Filesystem'),
      },
    };
    const created = await this.api.create(type, undefined, volume, { fieldManager: managers.volume });
    return writeStatus(this.api, type, created, { ...clone(statusOf(created)), phase: 'Bound' }, managers.volume);
  }

  private async reclaim(name: string): Promise<void> {
    const volume = this.api.store.get(resources.volumes, undefined, name);
    if (!volume || volume.metadata.deletionTimestamp) return;
    const spec = specOf(volume);
    const ref = isRecord(spec.claimRef) ? spec.claimRef : undefined;
    if (!ref) return;
    const claim = this.api.store.get(resources.claims, str(ref.namespace), str(ref.name));
    if (claim && (ref.uid === undefined || claim.metadata.uid === ref.uid)) return;
    const type = this.api.type('v1', 'PersistentVolume');
    if (spec.persistentVolumeReclaimPolicy === 'Delete') await deleteObject(this.api, type, volume);
    else await writeStatus(this.api, type, volume, { ...clone(statusOf(volume)), phase: 'Released' }, managers.volume);
  }
}
