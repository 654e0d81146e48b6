import { useId, useState, type FormEvent } from 'react';
import { ApiError, createApiClient, type Identity } from '../api/client.ts';

export interface SignedIn {
  token: string;
  /** Undefined when the API has no /api/v1/whoami: the role is unknown, so nothing deploy-only is offered. */
  identity?: Identity;
}

/** Checks a token with GET /api/v1/whoami (or GET /api/v1/apps on an API without it). */
export async function checkToken(token: string, fetchImpl?: typeof fetch): Promise<SignedIn> {
  const client = createApiClient({ token, fetch: fetchImpl });
  try {
    return { token, identity: await client.get('/api/v1/whoami') };
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    await client.get('/api/v1/apps');
    return { token };
  }
}

export interface SignInProps {
  onSignedIn(signedIn: SignedIn): void;
  /** Shown above the form (a token that stopped working). */
  notice?: string;
  fetch?: typeof fetch;
}

export function SignIn({ onSignedIn, notice, fetch: fetchImpl }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter an API token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await checkToken(value, fetchImpl));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>capstan</h1>
      {notice && <p className="notice">{notice}</p>}
      <form onSubmit={(e) => void submit(e)} aria-label="Sign in" noValidate>
        <label htmlFor="capstan-token">API token</label>
        <input
          id="capstan-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          required
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p id={errorId} role="alert" className="error">
            {error}
          </p>
        )}
      </form>
      <p className="hint">The token is kept for this browser tab&apos;s session only.</p>
    </main>
  );
}
