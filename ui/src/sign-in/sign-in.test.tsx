import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../app.tsx';
import { tokenKey } from '../session.ts';
import { appState, FakeApi } from '../testing.ts';

describe('sign-in', () => {
  it('shows the form when no token is kept; a wrong token shows the API message next to it', async () => {
    const api = new FakeApi();
    render(<App fetch={api.fetch} />);
    await userEvent.type(screen.getByLabelText('API token'), 'nope');
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'invalid or missing token');
    expect(screen.getByLabelText('API token').getAttribute('aria-invalid')).toBe('true');
    expect(window.sessionStorage.getItem(tokenKey)).toBeNull();
    expect(api.requests.map((r) => r.authorization)).toEqual(['Bearer nope']);
  });

  it('keeps a good token in sessionStorage only, and shows the overview', async () => {
    const api = new FakeApi({ apps: [appState('web', 'dev')] });
    render(<App fetch={api.fetch} flushMs={0} />);
    await userEvent.type(screen.getByLabelText('API token'), 'deploy-token{Enter}');
    expect(await screen.findByRole('heading', { name: 'Applications' })).toBeTruthy();
    expect(window.sessionStorage.getItem(tokenKey)).toBe('deploy-token');
    expect(window.localStorage.length).toBe(0);
    expect(document.cookie).toBe('');
    expect(screen.getByText('ci (deploy)')).toBeTruthy();
  });

  it('uses a token kept from earlier in the session; a revoked one brings the form back with the reason', async () => {
    window.sessionStorage.setItem(tokenKey, 'revoked');
    render(<App fetch={new FakeApi().fetch} />);
    expect(await screen.findByText('invalid or missing token')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(window.sessionStorage.getItem(tokenKey)).toBeNull();
  });

  it('signs in against an agent without /api/v1/whoami (role unknown)', async () => {
    window.sessionStorage.setItem(tokenKey, 'read-token');
    render(<App fetch={new FakeApi({ noWhoami: true }).fetch} />);
    expect(await screen.findByRole('heading', { name: 'Applications' })).toBeTruthy();
    expect(screen.getByText('signed in')).toBeTruthy();
  });

  it('signs out: the token is forgotten', async () => {
    window.sessionStorage.setItem(tokenKey, 'read-token');
    render(<App fetch={new FakeApi().fetch} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(screen.getByLabelText('API token')).toBeTruthy();
    expect(window.sessionStorage.getItem(tokenKey)).toBeNull();
  });
});
