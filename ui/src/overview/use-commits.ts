// The commits the overview shows (each app's target revision: its subject and author), read once
// per SHA from GET /api/v1/commits/{sha}. The targets are few (the branch heads the agent has
// seen), so each distinct one is asked for once and kept for as long as the page lives.
import { useEffect, useRef, useState } from 'react';
import type { ApiClient, Schemas } from '../api/client.ts';

export type CommitInfo = Schemas['CommitInfo'];

/** A commit by its full SHA; a SHA whose commit could not be read (unknown to the repo, or an error) maps to null. */
export type Commits = ReadonlyMap<string, CommitInfo | null>;

export function useCommits(client: ApiClient | undefined, shas: readonly string[]): Commits {
  const [commits, setCommits] = useState<Commits>(() => new Map());
  const asked = useRef(new Set<string>());
  const key = [...new Set(shas.filter(Boolean))].sort().join(',');

  useEffect(() => {
    if (!client || !key) return;
    const controller = new AbortController();
    for (const sha of key.split(',')) {
      if (asked.current.has(sha)) continue;
      asked.current.add(sha);
      client.get('/api/v1/commits/{sha}', { params: { sha }, signal: controller.signal }).then(
        (commit) => setCommits((prev) => new Map(prev).set(sha, commit)),
        () => {
          // asked again on a later render (the stream may have been cut); kept as unknown otherwise
          if (controller.signal.aborted) asked.current.delete(sha);
          else setCommits((prev) => new Map(prev).set(sha, null));
        },
      );
    }
    return () => controller.abort();
  }, [client, key]);

  return commits;
}

/** `Ada Lovelace` of `Ada Lovelace <ada@example.com>`. */
export const authorName = (author: string): string => author.replace(/\s*<[^>]*>\s*$/, '') || author;
