import { annotations, labels, type Manifest } from '../core/index.ts';

export interface Owner {
  app: string;
  env: string;
}

/** `<app>/<env>`: the value of `capstan.dev/owner`. */
export function ownerValue(owner: Owner): string {
  return `${owner.app}/${owner.env}`;
}

/** A copy of `object` with the owner annotation and the app and env labels; the input is not modified. */
export function stampOwner(object: Manifest, owner: Owner): Manifest {
  const copy = structuredClone(object);
  copy.metadata.annotations = { ...copy.metadata.annotations, [annotations.owner]: ownerValue(owner) };
  copy.metadata.labels = { ...copy.metadata.labels, [labels.app]: owner.app, [labels.env]: owner.env };
  return copy;
}

/** The owner annotation of a live object (undefined when it has none). */
export function liveOwner(live: Manifest | undefined): string | undefined {
  return live?.metadata.annotations?.[annotations.owner];
}

/** Whether a rendered object only sets fields of an object that must exist (`capstan.dev/patch-existing: "true"`). */
export function patchesExisting(object: Manifest): boolean {
  return object.metadata.annotations?.[annotations.patchExisting] === 'true';
}

/** A copy of a patch-existing object without its marker: capstan applies nothing but the fields it sets. */
export function withoutPatchMarker(object: Manifest): Manifest {
  const copy = structuredClone(object);
  const { [annotations.patchExisting]: _marker, ...rest } = copy.metadata.annotations ?? {};
  if (Object.keys(rest).length > 0) copy.metadata.annotations = rest;
  else delete copy.metadata.annotations;
  return copy;
}
