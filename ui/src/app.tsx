// The root: sign-in until a token is known, then the signed-in shell with live app states and
// the page the URL names.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, createApiClient, type ApiClient, type Identity } from './api/client.ts';
import type { Clock } from './api/events.ts';
import { AppPage } from './app-page/app-page.tsx';
import { useLiveApps } from './live/use-live-apps.ts';
import { Overview } from './overview/overview.tsx';
import { ReleasesPage } from './releases/releases-page.tsx';
import { Link, matchAppPath, matchReleasesPath, useLocation } from './router.tsx';
import { clearToken, loadToken, saveToken } from './session.ts';
import { checkToken, SignIn, type SignedIn } from './sign-in/sign-in.tsx';

export interface AppProps {
  /** For tests: the fetch the API client uses, and the clock of reconnects and batching. */
  fetch?: typeof fetch;
  clock?: Clock;
  flushMs?: number;
}

export function App({ fetch: fetchImpl, clock, flushMs }: AppProps) {
  const [session, setSession] = useState<SignedIn | undefined>();
  const [pending, setPending] = useState<string | undefined>(() => loadToken());
  const [notice, setNotice] = useState<string | undefined>();

  // A token from an earlier page of this session: check it once and learn its role.
  useEffect(() => {
    if (!pending) return;
    let cancelled = false;
    checkToken(pending, fetchImpl).then(
      (signedIn) => {
        if (cancelled) return;
        setSession(signedIn);
        setPending(undefined);
      },
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.status === 401) clearToken();
        // Anything else (the agent restarting): keep the token, show why, let the person retry.
        setNotice(err instanceof Error ? err.message : String(err));
        setPending(undefined);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [pending, fetchImpl]);

  const signOut = useCallback((message?: string) => {
    clearToken();
    setSession(undefined);
    setNotice(message);
  }, []);

  if (pending) return <p className="loading">Signing in…</p>;
  if (!session)
    return (
      <SignIn
        notice={notice}
        fetch={fetchImpl}
        onSignedIn={(signedIn) => {
          saveToken(signedIn.token);
          setNotice(undefined);
          setSession(signedIn);
        }}
      />
    );
  return <Shell session={session} onSignOut={signOut} fetch={fetchImpl} clock={clock} flushMs={flushMs} />;
}

interface ShellProps extends AppProps {
  session: SignedIn;
  onSignOut(message?: string): void;
}

function Shell({ session, onSignOut, fetch: fetchImpl, clock, flushMs }: ShellProps) {
  const client: ApiClient = useMemo(() => createApiClient({ token: session.token, fetch: fetchImpl }), [session.token, fetchImpl]);
  const live = useLiveApps(client, { onUnauthorized: onSignOut, clock, flushMs });
  const location = useLocation();
  const appRoute = matchAppPath(location.pathname);
  const releasesRoute = matchReleasesPath(location.pathname);
  const identity: Identity | undefined = session.identity;

  let page;
  if (location.pathname === '/') page = <Overview live={live} search={location.search} client={client} />;
  else if (appRoute) page = <AppPage live={live} client={client} env={appRoute.env} app={appRoute.app} role={identity?.role} />;
  else if (releasesRoute) page = <ReleasesPage live={live} client={client} service={releasesRoute.service} role={identity?.role} />;
  else
    page = (
      <section>
        <h1>Not found</h1>
        <p>
          There is no page at {location.pathname}. <Link href="/">Applications</Link>
        </p>
      </section>
    );

  return (
    <>
      <header className="top">
        <Link href="/" className="brand">
          capstan
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={location.pathname === '/' ? 'page' : undefined}>
            Applications
          </Link>
          <Link href="/releases" aria-current={releasesRoute ? 'page' : undefined}>
            Releases
          </Link>
        </nav>
        <span className="who">{identity ? `${identity.name} (${identity.role})` : 'signed in'}</span>
        <button type="button" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <div role="status" className={live.reconnecting ? 'banner lost' : live.reconnected ? 'banner back' : 'banner'}>
        {live.reconnecting ? 'Live updates lost — reconnecting…' : live.reconnected ? 'Live updates reconnected' : ''}
      </div>
      <main>{page}</main>
    </>
  );
}
