// The selected object: its live manifest, its diff against git, its events and (Pods) its log, one
// tab at a time; the tab and the diff mode are in the URL.
import { useId, useRef, type KeyboardEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import { useNow } from '../use-now.ts';
import { DiffView } from './diff-view.tsx';
import { EventsView } from './events-view.tsx';
import { LogsView } from './logs-view.tsx';
import { ManifestView } from './manifest-view.tsx';
import { getObject, getObjectEvents } from './object-api.ts';
import { formatObjectId, subjectOf, type ObjectTab, type Selection } from './object-ref.ts';
import type { TreeObject } from './resource-tree.tsx';
import { useLoad } from './use-load.ts';

export interface ObjectPanelProps {
  client: ApiClient;
  env: string;
  app: string;
  selection: Selection;
  /** The object in the tree; undefined while the tree loads or when the cluster does not have it. */
  object: TreeObject | undefined;
  /** Whether the tree has been read (so a missing object is really missing). */
  treeLoaded: boolean;
  onChange(selection: Selection | undefined): void;
}

const tabNames: Record<ObjectTab, string> = { manifest: 'Manifest', diff: 'Diff', events: 'Events', logs: 'Logs' };

export function ObjectPanel({ client, env, app, selection, object, treeLoaded, onChange }: ObjectPanelProps) {
  const prefix = useId();
  const now = useNow();
  const tabRefs = useRef(new Map<ObjectTab, HTMLButtonElement>());
  const { key } = selection;
  const subject = subjectOf(key);
  const id = formatObjectId(key);
  const ref = { env, app };
  const live = useLoad(object ? `${object.apiVersion}|${id}` : undefined, (signal) => getObject(client, ref, object!.apiVersion, key, signal));
  const events = useLoad(object && selection.tab === 'events' ? `${object.apiVersion}|${id}` : undefined, (signal) => getObjectEvents(client, ref, object!.apiVersion, key, signal));
  const tabs: ObjectTab[] = key.kind === 'Pod' ? ['manifest', 'diff', 'events', 'logs'] : ['manifest', 'diff', 'events'];
  const pending = !object && !treeLoaded;

  const show = (tab: ObjectTab): void => onChange({ ...selection, tab });
  const onTabKey = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = tabs.indexOf(selection.tab);
    const next = event.key === 'ArrowRight' ? tabs[(index + 1) % tabs.length] : event.key === 'ArrowLeft' ? tabs[(index - 1 + tabs.length) % tabs.length] : event.key === 'Home' ? tabs[0] : event.key === 'End' ? tabs[tabs.length - 1] : undefined;
    if (!next) return;
    event.preventDefault();
    show(next);
    tabRefs.current.get(next)?.focus();
  };

  return (
    <section className="object-panel" aria-labelledby={`${prefix}-title`}>
      <div className="panel-head">
        <h2 id={`${prefix}-title`}>
          {key.kind} <span className="object-name">{key.name}</span>
          {key.namespace && <span className="muted"> in {key.namespace}</span>}
        </h2>
        <button type="button" onClick={() => onChange(undefined)} aria-label={`Close ${subject}`}>
          Close
        </button>
      </div>
      <div role="tablist" aria-label={`Views of ${subject}`} className="tabs" onKeyDown={onTabKey}>
        {tabs.map((tab) => (
          <button
            key={tab}
            ref={(el) => {
              if (el) tabRefs.current.set(tab, el);
              else tabRefs.current.delete(tab);
            }}
            type="button"
            role="tab"
            id={`${prefix}-tab-${tab}`}
            aria-selected={selection.tab === tab}
            aria-controls={`${prefix}-panel`}
            tabIndex={selection.tab === tab ? 0 : -1}
            onClick={() => show(tab)}
          >
            {tabNames[tab]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${prefix}-panel`} aria-labelledby={`${prefix}-tab-${selection.tab}`} className="tab-panel">
        {pending ? (
          <p className="loading">Reading the app&apos;s objects…</p>
        ) : selection.tab === 'manifest' ? (
          <ManifestView live={object ? live : undefined} subject={subject} />
        ) : selection.tab === 'diff' ? (
          <DiffView client={client} env={env} app={app} objectKey={key} subject={subject} inGit={!object || object.sync !== undefined} mode={selection.diff} onMode={(diff) => onChange({ ...selection, diff })} />
        ) : selection.tab === 'events' ? (
          <EventsView events={object ? events : undefined} subject={subject} now={now} />
        ) : (
          <LogsView client={client} env={env} app={app} pod={key} live={object ? live : undefined} />
        )}
      </div>
    </section>
  );
}
