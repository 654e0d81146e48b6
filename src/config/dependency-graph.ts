/**
 * Cycles and stable topological order over named nodes (apps by dependsOn, environments by
 * promotesFrom). Pure.
 */

/**
 * Every distinct cycle, each as the path that closes on itself (`['a', 'b', 'a']`), starting at its
 * earliest node in `nodes` order. Edges to unknown nodes and self-edges are ignored (they are
 * reported on their own).
 */
export function findCycles(nodes: readonly string[], edgesOf: (node: string) => readonly string[]): string[][] {
  const order = new Map(nodes.map((n, i) => [n, i]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const seen = new Set<string>();
  const cycles: string[][] = [];

  const visit = (node: string): void => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of edgesOf(node)) {
      if (next === node || !order.has(next)) continue;
      const s = state.get(next);
      if (s === 'active') {
        const cycle = stack.slice(stack.indexOf(next));
        const start = cycle.reduce((best, n, i) => (order.get(n)! < order.get(cycle[best])! ? i : best), 0);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        const id = rotated.join('\u0000');
        if (!seen.has(id)) {
          seen.add(id);
          cycles.push([...rotated, rotated[0]]);
        }
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * `nodes` with every node after the nodes it depends on; among nodes that are ready at the same
 * time, the earlier in `nodes` comes first. Returns undefined when there is a cycle.
 */
export function sortByDependencies(nodes: readonly string[], dependenciesOf: (node: string) => readonly string[]): string[] | undefined {
  const index = new Map(nodes.map((n, i) => [n, i]));
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const node of nodes) {
    const deps = new Set(dependenciesOf(node).filter((d) => index.has(d) && d !== node));
    waitingOn.set(node, deps.size);
    for (const dep of deps) dependents.set(dep, [...(dependents.get(dep) ?? []), node]);
  }
  const ready = nodes.filter((n) => waitingOn.get(n) === 0);
  const sorted: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => index.get(a)! - index.get(b)!);
    const node = ready.shift()!;
    sorted.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = waitingOn.get(dependent)! - 1;
      waitingOn.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return sorted.length === nodes.length ? sorted : undefined;
}
