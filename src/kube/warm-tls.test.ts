import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSandbox } from '@capstan/sandbox';
import { createKubeClient } from './create-kube-client.ts';
import { needsWarming, parseRootCertificatesAside } from './warm-tls.ts';

test('the root certificates are parsed on a worker thread, and certificates are still checked after it', async () => {
  assert.equal(await parseRootCertificatesAside({ unref: false }), true);
  const sandbox = await startSandbox({ podReadyDelayMs: 10 });
  const other = await startSandbox({ podReadyDelayMs: 10 });
  try {
    const client = await createKubeClient({ kubeconfig: sandbox.kubeconfig, retry: { maxRetries: 0 } });
    assert.ok((await client.serverVersion()).gitVersion);
    client.close();
    // the other sandbox's CA does not vouch for this sandbox's certificate
    const wrongCa = sandbox.kubeconfig.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from(other.ca!).toString('base64')}`);
    assert.notEqual(wrongCa, sandbox.kubeconfig);
    const mistrusting = await createKubeClient({ kubeconfig: wrongCa, retry: { maxRetries: 0 } });
    await assert.rejects(mistrusting.serverVersion(), /certificate|self.signed|verify/i);
    mistrusting.close();
  } finally {
    await sandbox.stop();
    await other.stop();
  }
});

test('the root certificates need no warming when Node loaded them at start or uses the OpenSSL store', () => {
  assert.equal(needsWarming({}, []), true);
  assert.equal(needsWarming({ NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' }, []), false);
  assert.equal(needsWarming({}, ['--use-openssl-ca']), false);
});
