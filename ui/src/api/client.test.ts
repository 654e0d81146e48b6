import { describe, expect, it } from 'vitest';
import { appState, FakeApi } from '../testing.ts';
import { ApiError, canDeploy, createApiClient, fillPath } from './client.ts';

describe('createApiClient', () => {
  it('sends the bearer token and returns the JSON answer', async () => {
    const api = new FakeApi({ apps: [appState('web', 'dev')] });
    const client = createApiClient({ token: 'read-token', fetch: api.fetch });
    expect(await client.get('/api/v1/apps')).toEqual([appState('web', 'dev')]);
    expect(api.requests).toEqual([{ method: 'GET', path: '/api/v1/apps', authorization: 'Bearer read-token' }]);
  });

  it("throws the API's own error message, with status and category", async () => {
    const client = createApiClient({ token: 'wrong', fetch: new FakeApi().fetch });
    const err = await client.get('/api/v1/whoami').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ message: 'invalid or missing token', status: 401, category: 'unauthorized' });
  });

  it('says when the API cannot be reached', async () => {
    const client = createApiClient({ token: 't', fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch });
    await expect(client.get('/api/v1/apps')).rejects.toMatchObject({ message: 'the API is unreachable: Failed to fetch', status: 0 });
  });

  it('fills path parameters, encoded', async () => {
    expect(fillPath('/api/v1/apps/{env}/{app}', { env: 'dev', app: 'a b/c' })).toBe('/api/v1/apps/dev/a%20b%2Fc');
    const api = new FakeApi();
    await createApiClient({ token: 'read-token', fetch: api.fetch })
      .get('/api/v1/apps/{env}/{app}', { params: { env: 'dev', app: 'web' } })
      .catch(() => undefined);
    expect(api.requests[0].path).toBe('/api/v1/apps/dev/web');
  });

  it('offers deploy actions to deploy and admin roles only', () => {
    expect([canDeploy('read'), canDeploy('deploy'), canDeploy('admin'), canDeploy(undefined)]).toEqual([false, true, true, false]);
  });
});
