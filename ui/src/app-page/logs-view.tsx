// A pod's last log lines, and with Follow the new ones as they come; the stream stops when Follow
// is switched off or the panel closes.
import { useEffect, useId, useRef, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { followLogs, getLogs, type LiveObject } from './object-api.ts';
import type { ResourceKey } from './object-ref.ts';
import { messageOf, useLoad, type Loaded } from './use-load.ts';

const tailLines = 200;
/** Lines kept while following. */
const keepLines = 2000;

export interface LogsViewProps {
  client: ApiClient;
  env: string;
  app: string;
  pod: ResourceKey;
  /** The pod's manifest, for its container names. */
  live: Loaded<LiveObject> | undefined;
}

function containersOf(live: LiveObject | undefined): string[] {
  const spec = live?.manifest.spec as { containers?: Array<{ name?: unknown }>; initContainers?: Array<{ name?: unknown }> } | undefined;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.name).filter((n): n is string => typeof n === 'string');
}

export function LogsView({ client, env, app, pod, live }: LogsViewProps) {
  const selectId = useId();
  const containers = containersOf(live?.data);
  const [chosen, setChosen] = useState<string | undefined>();
  const container = chosen ?? containers[0];
  // The container is known once the manifest is read (or could not be: then the API picks).
  const ready = !live || !live.loading;
  const options = { namespace: pod.namespace, pod: pod.name, container, tailLines };
  const tail = useLoad(ready ? `${container ?? ''}` : undefined, (signal) => getLogs(client, { env, app }, options, signal));
  const [follow, setFollow] = useState(false);
  const [streamed, setStreamed] = useState<string[] | undefined>();
  const [streamError, setStreamError] = useState<string | undefined>();
  const [ended, setEnded] = useState(false);
  const optionsRef = useRef(options);
  useEffect(() => {
    optionsRef.current = options;
  });

  useEffect(() => {
    if (!follow) return;
    const controller = new AbortController();
    followLogs(client, { env, app }, optionsRef.current, (lines) => setStreamed((prev) => [...(prev ?? []), ...lines].slice(-keepLines)), controller.signal).then(
      () => {
        if (!controller.signal.aborted) setEnded(true);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setStreamError(messageOf(err));
        setFollow(false);
      },
    );
    return () => controller.abort();
  }, [follow, client, env, app, container]);

  const shown = streamed ?? tail.data;
  const pre = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [shown]);

  const toggleFollow = (): void => {
    setStreamError(undefined);
    setEnded(false);
    // The stream starts with the last lines itself.
    if (!follow) setStreamed([]);
    setFollow(!follow);
  };
  const reload = (): void => {
    setFollow(false);
    setStreamed(undefined);
    setStreamError(undefined);
    tail.reload();
  };

  return (
    <div className="tab-body">
      <div className="logs-bar">
        {containers.length > 1 && (
          <label htmlFor={selectId}>
            Container{' '}
            <select
              id={selectId}
              value={container}
              onChange={(e) => {
                setChosen(e.target.value);
                setStreamed(follow ? [] : undefined);
              }}
            >
              {containers.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        )}
        <button type="button" aria-pressed={follow} onClick={toggleFollow}>
          Follow
        </button>
        <button type="button" onClick={reload}>
          Reload
        </button>
        <span className="muted" role="status">
          {follow ? (ended ? 'The log stream ended.' : 'Following…') : ''}
        </span>
      </div>
      {(streamError ?? (streamed ? undefined : tail.error)) && (
        <p role="alert" className="error">
          {streamError ?? tail.error}
        </p>
      )}
      {!shown && !tail.error && <p className="loading">Reading the log…</p>}
      {shown && (
        <pre ref={pre} className="code logs" tabIndex={0} aria-label={`Log of ${pod.name}${container ? `, container ${container}` : ''}`}>
          {shown.length === 0 ? <span className="muted">{follow ? 'Waiting for log lines…' : 'The log is empty.'}</span> : shown.join('\n')}
        </pre>
      )}
    </div>
  );
}
