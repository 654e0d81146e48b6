import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pktLine } from './git-testing.ts';
import { parsePushRequest, pushRefusalBody, refusalOf } from './push-request.ts';

const [a, b, zero] = ['a', 'b', '0'].map((x) => x.repeat(40));

test('parsePushRequest reads the commands as receive-pack does: shallow lines skipped, capabilities after a NUL, one newline dropped', () => {
  const body = Buffer.from(
    pktLine(`shallow ${b}\n`) +
      pktLine(`${a} ${b} refs/heads/main\0report-status side-band-64k agent=git/2.39\n`) +
      pktLine(`${zero} ${b} refs/tags/v1\n`) +
      pktLine(`${a.toUpperCase()} ${zero} refs/heads/old`) +
      '0000PACK\u0000\u0000\u0000\u0002',
    'latin1',
  );
  assert.deepEqual(parsePushRequest(body), {
    commands: [
      { ref: 'refs/heads/main', old: a, new: b },
      { ref: 'refs/tags/v1', old: zero, new: b },
      { ref: 'refs/heads/old', old: a, new: zero },
    ],
    capabilities: ['report-status', 'side-band-64k', 'agent=git/2.39'],
  });
  const sha256 = 'c'.repeat(64);
  assert.deepEqual(parsePushRequest(Buffer.from(`${pktLine(`${'0'.repeat(64)} ${sha256} refs/heads/x\0object-format=sha256\n`)}0000`)), {
    commands: [{ ref: 'refs/heads/x', old: '0'.repeat(64), new: sha256 }],
    capabilities: ['object-format=sha256'],
  });
  assert.deepEqual(parsePushRequest(Buffer.from('0000')), { commands: [], capabilities: [] });
});

test('parsePushRequest refuses what git might read otherwise', () => {
  const cases: [string, string][] = [
    [`${pktLine('push-cert\0report-status\n')}0000`, 'signed pushes are not accepted'],
    [pktLine(`${a} ${b} refs/heads/main\n`), 'the list of refs to update is incomplete'],
    [`${pktLine(`${a} ${b} refs/heads/main\n`).slice(0, 20)}`, 'the list of refs to update is incomplete'],
    ['0004', 'a packet of length 4 among the refs to update'],
    [`0001${pktLine(`${a} ${b} refs/heads/main\n`)}0000`, 'a packet of length 1 among the refs to update'],
    ['zzzz', '"zzzz" is not a pkt-line length'],
    [`${pktLine(`${a} ${b.slice(0, 30)}\n`)}0000`, `"${a} ${b.slice(0, 30)}" is not "<old> <new> <ref>"`],
    [`${pktLine(`${a} ${'b'.repeat(64)} refs/heads/main\n`)}0000`, `"${a} ${'b'.repeat(39)}…" is not "<old> <new> <ref>"`],
  ];
  for (const [body, error] of cases) assert.deepEqual(parsePushRequest(Buffer.from(body, 'latin1')), { error }, body);
});

test('refusalOf: branches go to git; tags may be created, never moved nor deleted unless allowed; other refs never', () => {
  const rules = (ref: string, old: string, next: string, policy = {}) => refusalOf({ ref, old, new: next }, policy);
  assert.equal(rules('refs/heads/main', a, b), undefined);
  assert.equal(rules('refs/heads/main', a, zero), undefined, 'git refuses branch deletions (receive.denyDeletes)');
  assert.equal(rules('refs/tags/v1', zero, b), undefined);
  assert.equal(rules('refs/tags/v1', a, b), 'tags never move: push a new tag');
  assert.equal(rules('refs/tags/v1', a, zero), 'tags are never deleted');
  assert.equal(rules('refs/tags/v1', a, b, { allowForcePush: true }), undefined);
  assert.equal(rules('refs/tags/v1', a, zero, { allowDeletes: true }), undefined);
  for (const ref of ['refs/capstan/x', 'HEAD', 'refs/notes/commits', 'refs/headsx/main', 'refs/tagsx']) {
    assert.equal(rules(ref, zero, b, { allowForcePush: true, allowDeletes: true }), 'only branches (refs/heads/) and tags (refs/tags/) can be pushed', ref);
  }
});

test('pushRefusalBody: a report refusing every ref, inside side-band 1 with the message on band 2 when asked for', () => {
  const request = { commands: [{ ref: 'refs/heads/main', old: a, new: b }, { ref: 'refs/tags/v1', old: a, new: b }], capabilities: ['report-status'] };
  const refusal = { reasons: new Map([['refs/tags/v1', 'tags never move: push a new tag']]), message: 'push refused' };
  const report = `${pktLine('unpack ok\n')}${pktLine('ng refs/heads/main not updated: another ref of this push was refused\n')}${pktLine('ng refs/tags/v1 tags never move: push a new tag\n')}0000`;
  assert.equal(pushRefusalBody(request, refusal).toString(), report);
  const banded = pushRefusalBody({ ...request, capabilities: ['report-status', 'side-band-64k'] }, { ...refusal, unpack: 'push too large' });
  const reportTooLarge = report.replace(pktLine('unpack ok\n'), pktLine('unpack push too large\n'));
  assert.equal(banded.toString(), `${pktLine('\u0002push refused\n')}${pktLine(`\u0001${reportTooLarge}`)}0000`);
});
