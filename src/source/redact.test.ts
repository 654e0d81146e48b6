import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact } from './index.ts';

test('credentials in URLs are masked, ssh user names are kept', () => {
  assert.equal(redact('fatal: unable to access https://user:tok3n@github.com/org/repo.git/'), 'fatal: unable to access https://***@github.com/org/repo.git/');
  assert.equal(redact("'https://ghp_abcdef@host/x'"), "'https://***@host/x'");
  assert.equal(redact('http://a:b@h/ and https://c:d@i/'), 'http://***@h/ and https://***@i/');
  assert.equal(redact('ssh://git@github.com/org/repo.git'), 'ssh://git@github.com/org/repo.git');
  assert.equal(redact('ssh://git:pw@github.com/org/repo.git'), 'ssh://***@github.com/org/repo.git');
  assert.equal(redact('git@github.com:org/repo.git'), 'git@github.com:org/repo.git');
  assert.equal(redact('mail me at someone@example.com'), 'mail me at someone@example.com');
});

test('authorization headers and explicit secrets are masked', () => {
  assert.equal(redact('Authorization: Basic dXNlcjpwYXNz'), 'Authorization: Basic ***');
  assert.equal(redact('authorization: bearer abc.def'), 'authorization: bearer ***');
  assert.equal(redact('the token s3cr3t/+x= leaked as s3cr3t%2F%2Bx%3D', ['s3cr3t/+x=']), 'the token *** leaked as ***');
  assert.equal(redact('a b c', ['a', undefined, '']), 'a b c', 'too-short secrets are not masked literally');
});
