/**
 * Charts from where teams keep them: an HTTP chart repository (`index.yaml`) or an OCI registry.
 * capstan fetches the chart archive itself, checks it, and keeps it in a content-addressed cache;
 * helm only ever reads a local chart and never touches the network.
 */

/** Where a chart repository's username and password are read from: never the config repo. */
export type ChartCredentials =
  /** A JSON file `{"username": "…", "password": "…"}` on the host capstan runs on (absolute path). */
  | { file: string }
  /** A Secret in capstan's own namespace with the keys `username` and `password`. */
  | { secret: string };

export interface ChartRequest {
  /** `https://charts.example.com` (HTTP chart repository) or `oci://registry.example.com/charts`. */
  repository: string;
  name: string;
  /** An exact version (`1.2.3`) or a Helm version range (`^1.2`, `>=1.0, <2.0`). */
  version: string;
  credentials?: ChartCredentials;
  /** Whose chart this is, for messages: `app web (environment prod)`. */
  requestedBy?: string;
}

export interface ChartFetchOptions {
  /** Where chart archives are kept (created 0700); default `$XDG_CACHE_HOME/capstan/charts` or `~/.cache/capstan/charts`. */
  cacheDir?: string;
  /** Reads a Secret of capstan's namespace as decoded key → value; undefined when it does not exist. */
  readSecret?: (name: string) => Promise<Record<string, string> | undefined>;
  /** The fetch used for every request (tests); default the global fetch. */
  fetch?: typeof globalThis.fetch;
}

export interface FetchedChart {
  /** Absolute path of the verified chart archive (.tgz) in the cache. */
  archive: string;
  name: string;
  /** The exact version chosen. */
  version: string;
  /** `sha256:<hex>` of the archive. */
  digest: string;
}

export function fetchChart(request: ChartRequest, options: ChartFetchOptions): Promise<FetchedChart> {
  void request;
  void options;
  return Promise.reject(new Error('fetchChart: not implemented yet'));
}
