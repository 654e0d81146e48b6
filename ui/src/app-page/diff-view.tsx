// The object's diff between the cluster (live) and git (desired), unified or side by side.
import type { ApiClient, Schemas } from '../api/client.ts';
import { sameKey, type DiffMode, type ResourceKey } from './object-ref.ts';
import { parseUnified, splitRows, type DiffLine } from './parse-unified.ts';
import { useLoad } from './use-load.ts';

type DiffResult = Schemas['DiffResult'];

export interface DiffViewProps {
  client: ApiClient;
  env: string;
  app: string;
  objectKey: ResourceKey;
  subject: string;
  /** Only the app's own objects are in git; what they own (Pods, ReplicaSets) is not. */
  inGit: boolean;
  mode: DiffMode;
  onMode(mode: DiffMode): void;
}

const said: Record<DiffResult['action'], string> = {
  unchanged: 'The cluster matches git.',
  update: 'The cluster differs from git: a sync changes it.',
  create: 'Not in the cluster yet: a sync creates it.',
  delete: 'In the cluster but no longer in git: a sync with prune deletes it.',
};

export function DiffView({ client, env, app, objectKey, subject, inGit, mode, onMode }: DiffViewProps) {
  const report = useLoad(inGit ? `${env}/${app}` : undefined, (signal) => client.get('/api/v1/apps/{env}/{app}/diff', { params: { env, app }, signal }));
  if (!inGit) return <p className="muted">{subject} is not in git: the cluster made it for one of the app&apos;s objects, so it has no diff.</p>;
  if (report.error)
    return (
      <div className="tab-body">
        <p role="alert" className="error">
          {report.error}
        </p>
        <button type="button" onClick={report.reload}>
          Compare again
        </button>
      </div>
    );
  if (report.loading || !report.data) return <p className="loading">Comparing git with the cluster…</p>;
  const entry = report.data.diffs.find((d) => sameKey(d.key, objectKey));
  const lines = entry ? parseUnified(entry.unified) : [];
  return (
    <div className="tab-body">
      <div className="diff-bar">
        <p>
          {entry ? said[entry.action] : `${subject} is not among the objects git declares.`}
          {entry && entry.changedPaths.length > 0 && (
            <>
              {' '}
              Changed: <code>{entry.changedPaths.join(', ')}</code>
            </>
          )}
        </p>
        <div className="view-toggle" role="group" aria-label="Diff view">
          <button type="button" aria-pressed={mode === 'unified'} onClick={() => onMode('unified')}>
            Unified
          </button>
          <button type="button" aria-pressed={mode === 'split'} onClick={() => onMode('split')}>
            Side by side
          </button>
          <button type="button" onClick={report.reload}>
            Compare again
          </button>
        </div>
      </div>
      {lines.length > 0 && (mode === 'split' ? <SplitDiff lines={lines} subject={subject} /> : <UnifiedDiff lines={lines} subject={subject} />)}
    </div>
  );
}

const sign: Record<DiffLine['kind'], string> = { add: '+', remove: '-', context: ' ', hunk: '' };

function UnifiedDiff({ lines, subject }: { lines: DiffLine[]; subject: string }) {
  return (
    <pre className="code diff unified" tabIndex={0} aria-label={`Unified diff of ${subject}, cluster to git`}>
      {lines.map((line, i) => (
        <span key={i} className={`diff-line ${line.kind}`}>
          {line.kind === 'hunk' ? line.text : `${sign[line.kind]}${line.text}`}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

function SplitDiff({ lines, subject }: { lines: DiffLine[]; subject: string }) {
  const rows = splitRows(lines);
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={`Side-by-side diff of ${subject}`}>
      <table className="diff split">
        <caption className="visually-hidden">The cluster (live) on the left, git (desired) on the right</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              <span className="visually-hidden">Live line</span>
            </th>
            <th scope="col">Cluster</th>
            <th scope="col" className="num">
              <span className="visually-hidden">Git line</span>
            </th>
            <th scope="col">Git</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) =>
            row.hunk !== undefined ? (
              <tr key={i} className="diff-line hunk">
                <td colSpan={4}>{row.hunk}</td>
              </tr>
            ) : (
              <tr key={i}>
                <td className="num">{row.left?.line}</td>
                <td className={`diff-cell ${row.left?.kind ?? 'empty'}`}>{row.left ? `${sign[row.left.kind]}${row.left.text}` : ''}</td>
                <td className="num">{row.right?.line}</td>
                <td className={`diff-cell ${row.right?.kind ?? 'empty'}`}>{row.right ? `${sign[row.right.kind]}${row.right.text}` : ''}</td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
