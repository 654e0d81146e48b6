// The app's objects as a tree beside the selected object's panel (under it on a phone); the
// selection is the page's query string.
import type { ApiClient, AppState } from '../api/client.ts';
import { syncLabel } from '../overview/filters.ts';
import { appPath, navigate } from '../router.tsx';
import { ObjectPanel } from './object-panel.tsx';
import { readSelection, selectionQuery, type Selection } from './object-ref.ts';
import { buildTree, findObject, ResourceTree } from './resource-tree.tsx';
import { useResources } from './use-resources.ts';

export interface ObjectsSectionProps {
  client: ApiClient;
  state: AppState;
  search: URLSearchParams;
  /** Least time between two reads of the tree while live events come in; default 2 s. */
  refreshMs?: number;
}

export function ObjectsSection({ client, state, search, refreshMs = 2000 }: ObjectsSectionProps) {
  const { env, app } = state;
  const { resources, error } = useResources(client, env, app, JSON.stringify(state), refreshMs);
  const selection = readSelection(search);
  const tree = resources ? buildTree(resources) : [];
  const found = selection ? findObject(tree, selection.key)?.object : undefined;
  const go = (next: Selection | undefined): void => navigate(`${appPath(env, app)}${selectionQuery(next)}`);

  return (
    <section className="objects" aria-labelledby="objects-title">
      <h2 id="objects-title">Objects</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className={selection ? 'objects-layout with-panel' : 'objects-layout'}>
        <div className="tree-wrap">
          {!resources && !error && <p className="loading">Reading the app&apos;s objects…</p>}
          {resources && (
            <ResourceTree
              app={app}
              health={state.health}
              sync={syncLabel(state)}
              objects={tree}
              selected={selection?.key}
              onSelect={(object) => go({ key: object.key, tab: selection?.tab === 'logs' && object.key.kind !== 'Pod' ? 'manifest' : (selection?.tab ?? 'manifest'), diff: selection?.diff ?? 'unified' })}
            />
          )}
          {resources && resources.length === 0 && <p className="muted">capstan has applied no objects for {app} in {env} yet.</p>}
        </div>
        {selection && <ObjectPanel key={`${selection.key.group}/${selection.key.kind}/${selection.key.namespace}/${selection.key.name}`} client={client} env={env} app={app} selection={selection} object={found} treeLoaded={resources !== undefined} onChange={go} />}
      </div>
    </section>
  );
}
