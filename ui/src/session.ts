// The API token, kept for the browser session only (sessionStorage, never localStorage or a cookie).
export const tokenKey = 'capstan.token';

export function loadToken(storage: Storage = window.sessionStorage): string | undefined {
  return storage.getItem(tokenKey) ?? undefined;
}

export function saveToken(token: string, storage: Storage = window.sessionStorage): void {
  storage.setItem(tokenKey, token);
}

export function clearToken(storage: Storage = window.sessionStorage): void {
  storage.removeItem(tokenKey);
}
