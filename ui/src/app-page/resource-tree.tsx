// The app's objects as a tree (the WAI-ARIA tree pattern): the app, its objects, what they own
// (ReplicaSets, Pods, Jobs). Arrow keys move, Right/Left expand and collapse, Enter or Space
// selects; one item is in the tab order at a time.
import { useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { HealthCode, Schemas, SyncCode } from '../api/client.ts';
import { StateBadge } from '../state-badge.tsx';
import { KindIcon } from './kind-icon.tsx';
import { formatObjectId, sameKey, type ResourceKey } from './object-ref.ts';

type ResourceState = Schemas['ResourceState'];
type ResourceNode = Schemas['ResourceNode'];

export interface TreeObject {
  id: string;
  key: ResourceKey;
  apiVersion: string;
  health: HealthCode;
  healthMessage?: string;
  /** Only the app's own objects have a sync state; what they own does not. */
  sync?: SyncCode;
  children: TreeObject[];
}

const rootId = '';

function toTree(node: ResourceState | ResourceNode): TreeObject {
  return {
    id: formatObjectId(node.key),
    key: node.key,
    apiVersion: node.apiVersion,
    health: node.health,
    healthMessage: node.healthMessage,
    sync: 'sync' in node ? node.sync : undefined,
    children: (node.children ?? []).map(toTree),
  };
}

export const buildTree = (resources: readonly ResourceState[]): TreeObject[] => resources.map(toTree);

/** The object with that key anywhere in the tree, with the ids of its ancestors. */
export function findObject(tree: readonly TreeObject[], key: ResourceKey, path: string[] = []): { object: TreeObject; ancestors: string[] } | undefined {
  for (const node of tree) {
    if (sameKey(node.key, key)) return { object: node, ancestors: path };
    const inner = findObject(node.children, key, [...path, node.id]);
    if (inner) return inner;
  }
  return undefined;
}

export interface ResourceTreeProps {
  app: string;
  health: HealthCode;
  sync: string;
  objects: readonly TreeObject[];
  selected?: ResourceKey;
  onSelect(object: TreeObject): void;
}

interface Visible {
  id: string;
  parent?: string;
  expandable: boolean;
  object?: TreeObject;
}

export function ResourceTree({ app, health, sync, objects, selected, onSelect }: ResourceTreeProps) {
  const prefix = useId();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const [focusedId, setFocusedId] = useState<string>(rootId);
  const treeRef = useRef<HTMLUListElement>(null);
  const selectedId = selected ? formatObjectId(selected) : undefined;
  // A newly selected object (a link, back or forward) is shown, whatever was collapsed above it.
  const [shownId, setShownId] = useState<string | undefined>();
  if (selectedId !== shownId) {
    setShownId(selectedId);
    const above = selected ? [rootId, ...(findObject(objects, selected)?.ancestors ?? [])] : [];
    if (above.some((id) => collapsed.has(id))) setCollapsed(new Set([...collapsed].filter((id) => !above.includes(id))));
  }
  const isExpanded = (id: string): boolean => !collapsed.has(id);

  const visible: Visible[] = [{ id: rootId, expandable: objects.length > 0 }];
  const walk = (nodes: readonly TreeObject[], parent: string): void => {
    for (const node of nodes) {
      visible.push({ id: node.id, parent, expandable: node.children.length > 0, object: node });
      if (node.children.length > 0 && isExpanded(node.id)) walk(node.children, node.id);
    }
  };
  if (isExpanded(rootId)) walk(objects, rootId);
  const focusable = visible.some((v) => v.id === focusedId) ? focusedId : visible.some((v) => v.id === selectedId) ? selectedId! : rootId;

  const setExpanded = (id: string, expanded: boolean): void =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (expanded) next.delete(id);
      else next.add(id);
      return next;
    });
  const focus = (id: string): void => {
    setFocusedId(id);
    const items = treeRef.current?.querySelectorAll<HTMLElement>('[role="treeitem"]') ?? [];
    [...items].find((el) => el.dataset.node === id)?.focus();
  };
  const select = (item: Visible): void => {
    if (item.object) onSelect(item.object);
    else setExpanded(item.id, !isExpanded(item.id));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>): void => {
    const index = visible.findIndex((v) => v.id === focusable);
    const item = visible[index];
    if (!item) return;
    const expanded = item.expandable && isExpanded(item.id);
    switch (event.key) {
      case 'ArrowDown':
        if (index + 1 < visible.length) focus(visible[index + 1].id);
        break;
      case 'ArrowUp':
        if (index > 0) focus(visible[index - 1].id);
        break;
      case 'Home':
        focus(visible[0].id);
        break;
      case 'End':
        focus(visible[visible.length - 1].id);
        break;
      case 'ArrowRight':
        if (item.expandable && !expanded) setExpanded(item.id, true);
        else if (expanded) focus(visible[index + 1].id);
        break;
      case 'ArrowLeft':
        if (expanded) setExpanded(item.id, false);
        else if (item.parent !== undefined) focus(item.parent);
        break;
      case 'Enter':
      case ' ':
        select(item);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  let counter = 0;
  const renderItem = (node: TreeObject, level: number, position: number, size: number) => {
    const n = ++counter;
    const expandable = node.children.length > 0;
    const expanded = expandable && isExpanded(node.id);
    const click = (event: MouseEvent): void => {
      event.stopPropagation();
      setFocusedId(node.id);
      onSelect(node);
    };
    const group = `${prefix}-${n}-group`;
    // The treeitem is the row alone (its name is the row's text), and owns the group of its
    // children, a sibling: a treeitem wrapping its children would have their text in its name.
    return (
      <li key={node.id} role="none">
        <div
          data-node={node.id}
          role="treeitem"
          aria-level={level}
          aria-posinset={position}
          aria-setsize={size}
          aria-expanded={expandable ? expanded : undefined}
          aria-selected={node.id === selectedId}
          aria-owns={expanded ? group : undefined}
          tabIndex={node.id === focusable ? 0 : -1}
          onClick={click}
          onFocus={() => setFocusedId(node.id)}
          className={node.id === selectedId ? 'tree-row selected' : 'tree-row'}
          style={{ paddingLeft: `${(level - 1) * 1.1}rem` }}
        >
          <Twisty expandable={expandable} expanded={expanded} onToggle={() => setExpanded(node.id, !expanded)} />
          <KindIcon kind={node.key.kind} />
          <span className="tree-label">
            <span className="tree-kind">{node.key.kind}</span> {node.key.name}
            {node.key.namespace && <span className="muted"> · {node.key.namespace}</span>}
          </span>
          <span className="tree-state">
            {node.sync && <StateBadge code={node.sync} />} <StateBadge code={node.health} title={node.healthMessage} />
          </span>
        </div>
        {expanded && (
          <ul role="group" id={group}>
            {node.children.map((child, i) => renderItem(child, level + 1, i + 1, node.children.length))}
          </ul>
        )}
      </li>
    );
  };

  const rootExpanded = isExpanded(rootId);
  const rootGroup = `${prefix}-root-group`;
  return (
    <ul ref={treeRef} role="tree" aria-label={`Objects of ${app}`} className="tree" onKeyDown={onKeyDown}>
      <li role="none">
        <div
          data-node={rootId}
          role="treeitem"
          aria-level={1}
          aria-posinset={1}
          aria-setsize={1}
          aria-expanded={objects.length > 0 ? rootExpanded : undefined}
          aria-selected={false}
          aria-owns={rootExpanded && objects.length > 0 ? rootGroup : undefined}
          tabIndex={focusable === rootId ? 0 : -1}
          onClick={() => {
            setFocusedId(rootId);
            setExpanded(rootId, !rootExpanded);
          }}
          onFocus={() => setFocusedId(rootId)}
          className="tree-row"
        >
          <Twisty expandable={objects.length > 0} expanded={rootExpanded} onToggle={() => setExpanded(rootId, !rootExpanded)} />
          <span className="kind-icon kind-app" aria-hidden="true">
            app
          </span>
          <span className="tree-label">
            <span className="tree-kind">App</span> {app}
          </span>
          <span className="tree-state">
            <StateBadge code={sync} /> <StateBadge code={health} />
          </span>
        </div>
        {rootExpanded && objects.length > 0 && (
          <ul role="group" id={rootGroup}>
            {objects.map((node, i) => renderItem(node, 2, i + 1, objects.length))}
          </ul>
        )}
      </li>
    </ul>
  );
}

function Twisty({ expandable, expanded, onToggle }: { expandable: boolean; expanded: boolean; onToggle(): void }) {
  if (!expandable) return <span className="twisty" aria-hidden="true" />;
  return (
    <span
      className="twisty"
      aria-hidden="true"
      onClick={(event) => {
        event.stopPropagation();
        onToggle();
      }}
    >
      {expanded ? '▾' : '▸'}
    </span>
  );
}
