// The object as the cluster has it, as YAML (a Secret's values come masked from the API).
import type { Loaded } from './use-load.ts';
import type { LiveObject } from './object-api.ts';
import { toYaml } from './to-yaml.ts';

export function ManifestView({ live, subject }: { live: Loaded<LiveObject> | undefined; subject: string }) {
  if (!live) return <p className="muted">{subject} is not in the cluster: it is in git only, a sync creates it.</p>;
  if (live.error)
    return (
      <p role="alert" className="error">
        {live.error}
      </p>
    );
  if (live.loading || !live.data) return <p className="loading">Reading {subject}…</p>;
  return (
    <pre className="code manifest" tabIndex={0} aria-label={`Live manifest of ${subject}`}>
      <code>{toYaml(live.data.manifest)}</code>
    </pre>
  );
}
