// Client-side routing on the History API: deep links work (the agent serves index.html for every
// UI path), back and forward work, and links stay real <a href> for the keyboard and new tabs.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const changed = 'capstan:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(changed, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(changed, onChange);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

/** The current path and query; re-renders on navigation. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, 'http://ui.invalid');
  return { pathname: url.pathname, search: url.searchParams };
}

export interface NavigateOptions {
  /** Replace the current history entry instead of adding one (typing in a search box). */
  replace?: boolean;
}

export function navigate(to: string, options: NavigateOptions = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(changed));
}

export type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** An <a> that navigates in the page on a plain left click, and does what links do otherwise. */
export function Link({ href, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}

/** `/apps/<env>/<app>` → its parts; undefined for any other path. */
export function matchAppPath(pathname: string): { env: string; app: string } | undefined {
  const m = /^\/apps\/([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return { env: decodeURIComponent(m[1]), app: decodeURIComponent(m[2]) };
  } catch {
    return undefined;
  }
}

export const appPath = (env: string, app: string): string => `/apps/${encodeURIComponent(env)}/${encodeURIComponent(app)}`;

/** `/releases` → {}, `/releases/<service>` → its name; undefined for any other path. */
export function matchReleasesPath(pathname: string): { service?: string } | undefined {
  const m = /^\/releases(?:\/([^/]+))?\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return m[1] === undefined ? {} : { service: decodeURIComponent(m[1]) };
  } catch {
    return undefined;
  }
}

export const releasesPath = (service?: string): string => (service === undefined ? '/releases' : `/releases/${encodeURIComponent(service)}`);
