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
