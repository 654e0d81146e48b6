// What runs in one environment: the artifact with its branch, commit, author and age, and the live
// sync and health of the apps that render it.
import { ago } from '../overview/overview.tsx';
import { appPath, Link } from '../router.tsx';
import { StateBadge } from '../state-badge.tsx';
import { shortCommit } from './format.ts';
import type { Artifact, EnvironmentStatus } from './releases-api.ts';

export interface RunningArtifactProps {
  /** From the service's detail; undefined while only its summary is known. */
  status?: EnvironmentStatus;
  /** From the summary: the artifact id and branch. */
  artifact?: string;
  branch?: string;
  releasedAt?: string;
  releasedBy?: string;
  now: number;
}

export function RunningArtifact({ status, artifact: id, branch, releasedAt, releasedBy, now }: RunningArtifactProps) {
  const artifact: Artifact | undefined = status?.artifact;
  const release = status?.release;
  const artifactId = release?.artifact ?? id;
  if (!artifactId) return <span className="muted">not released</span>;
  const at = release?.releasedAt ?? releasedAt;
  const by = release?.releasedBy ?? releasedBy;
  return (
    <div className="running">
      <code className="artifact-id">{artifactId}</code>
      <span className="facts-line">
        {(artifact?.branch ?? branch) && <span>branch {artifact?.branch ?? branch}</span>}
        {artifact?.commit && (
          <span>
            commit <code title={artifact.commit}>{shortCommit(artifact.commit)}</code>
          </span>
        )}
        {artifact?.author && <span>by {artifact.author}</span>}
      </span>
      {at && (
        <span className="muted" title={at}>
          released {ago(at, now)}
          {by ? ` by ${by}` : ''}
        </span>
      )}
      {status && status.live.length > 0 && (
        <span className="live">
          {status.live.map((app) => (
            <Link key={app.app} href={appPath(status.env, app.app)} className="live-app" title={app.error ?? app.healthMessage}>
              {status.live.length > 1 && <span>{app.app}</span>}
              <StateBadge code={app.sync} />
              <StateBadge code={app.health} />
              <span className="visually-hidden">: {app.app} in {status.env}</span>
            </Link>
          ))}
        </span>
      )}
    </div>
  );
}
