import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLabels,
  labelSelectorAsMatcher,
  labelSelectorToString,
  matchLabelSelector,
  parseLabelSelector,
  SelectorError,
} from './label-selector.ts';

const NAME_PART_REGEX =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function rejects(selector: string, message: string): void {
  assert.throws(
    () => parseLabelSelector(selector),
    (e: unknown) => e instanceof SelectorError && e.reason === 'BadRequest' && e.message === message,
  );
}

describe('parseLabelSelector', () => {
  test('prints the canonical form: requirements sorted by key, set values sorted, whitespace dropped', () => {
    assert.equal(parseLabelSelector(' tier in ( web , api ) , app = shop ,!legacy,env, x!=y ').toString(), 'app=shop,env,!legacy,tier in (api,web),x!=y');
    assert.equal(parseLabelSelector('a==b').toString(), 'a==b');
    assert.equal(parseLabelSelector('x in (foo,,baz),y,z notin ()').toString(), 'x in (,baz,foo),y,z notin ()');
    assert.equal(parseLabelSelector('n>3,m<10').toString(), 'm<10,n>3');
  });

  test('matches equality, set, existence and numeric requirements', () => {
    const labels = { app: 'shop', tier: 'web', n: '5' };
    const yes = ['app=shop', 'app==shop', 'app!=bank', 'tier in (web,api)', 'tier notin (db)', 'app', '!legacy', 'missing notin (x)', 'missing!=x', 'n>3', 'n<10', ''];
    const no = ['app=bank', 'app!=shop', 'tier in (db)', 'tier notin (web)', 'legacy', '!app', 'missing=x', 'n>5', 'app>1', 'app=shop,tier=db'];
    for (const s of yes) assert.equal(parseLabelSelector(s).matches(labels), true, s);
    for (const s of no) assert.equal(parseLabelSelector(s).matches(labels), false, s);
    assert.equal(parseLabelSelector('a=').matches({ a: '' }), true);
    assert.equal(parseLabelSelector('a=').matches({}), false);
    assert.equal(parseLabelSelector('constructor').matches({}), false, 'no prototype lookups');
  });

  test('the matcher is callable, and empty selectors match everything', () => {
    const m = parseLabelSelector('app=shop');
    assert.equal(m({ app: 'shop' }), true);
    assert.equal(m(undefined), false);
    assert.equal(parseLabelSelector('').empty, true);
    assert.equal(parseLabelSelector('')(undefined), true);
    assert.deepEqual(m.requirements, [{ key: 'app', operator: '=', values: ['shop'] }]);
  });

  test('rejects bad syntax with the API server messages', () => {
    rejects('a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
    rejects('a=b,', "found '', expected: identifier after ','");
    rejects(',a', "found ',', expected: !, identifier, or 'end of string'");
    rejects('a in b', "unable to parse requirement: found 'b' expected: '('");
    rejects('a in (b', "unable to parse requirement: found '', expected: ',' or ')'");
    rejects('a=b c', "found 'c', expected: ',' or 'end of string'");
    rejects('a=(b)', "unable to parse requirement: found '(', expected: identifier");
  });

  test('rejects invalid keys and values with the field error texts', () => {
    rejects('app:monolith', `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART_REGEX}`);
    rejects(
      'app.kubernetes_io/name=x',
      "unable to parse requirement: <nil>: Invalid value: \"app.kubernetes_io/name\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
    rejects('a=$x', `unable to parse requirement: values[0][a]: Invalid value: "$x": ${LABEL_VALUE_REGEX}`);
    rejects(`a=${'v'.repeat(64)}`, `unable to parse requirement: values[0][a]: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`);
    rejects('n>x', `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`);
  });
});

describe('LabelSelector objects', () => {
  test('matchLabelSelector: missing matches nothing, empty matches everything', () => {
    assert.equal(matchLabelSelector(undefined, { app: 'a' }), false);
    assert.equal(matchLabelSelector(null, { app: 'a' }), false);
    assert.equal(matchLabelSelector({}, { app: 'a' }), true);
    assert.equal(matchLabelSelector({ matchLabels: {}, matchExpressions: [] }, undefined), true);
  });

  test('matchLabelSelector: matchLabels and In, NotIn, Exists, DoesNotExist', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'back'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    assert.equal(matchLabelSelector(selector, { app: 'web', tier: 'front', team: 'x' }), true);
    assert.equal(matchLabelSelector(selector, { app: 'web', tier: 'front', team: 'x', env: 'prod' }), false);
    assert.equal(matchLabelSelector(selector, { app: 'web', tier: 'mid', team: 'x' }), false);
    assert.equal(matchLabelSelector(selector, { app: 'web', tier: 'front' }), false);
    assert.equal(matchLabelSelector(selector, { app: 'web', tier: 'front', team: 'x', legacy: '' }), false);
    assert.equal(matchLabelSelector(selector, { app: 'api', tier: 'front', team: 'x' }), false);
  });

  test('an invalid selector matches nothing', () => {
    assert.equal(matchLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }, { a: 'b' }), false);
  });

  test('labelSelectorToString gives the scale subresource status.selector', () => {
    assert.equal(
      labelSelectorToString({
        matchLabels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }, { key: 'old', operator: 'DoesNotExist' }],
      }),
      'app=web,app.kubernetes.io/part-of=shop,!old,tier in (a,b)',
    );
    assert.equal(labelSelectorToString({ matchLabels: { app: 'app' } }), 'app=app');
    assert.equal(labelSelectorToString({}), '');
    assert.equal(labelSelectorToString(undefined), '');
  });

  test('labelSelectorAsMatcher reports invalid selectors as Kubernetes does', () => {
    assert.throws(() => labelSelectorAsMatcher({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), { message: '"Foo" is not a valid label selector operator' });
    assert.throws(() => labelSelectorAsMatcher({ matchExpressions: [{ key: 'a', operator: 'In' }] }), {
      message: "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty",
    });
    assert.throws(() => labelSelectorAsMatcher({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), {
      message: `values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist`,
    });
    assert.throws(() => labelSelectorAsMatcher({ matchLabels: { 'a b': 'c' } }), {
      message: `key: Invalid value: "a b": ${NAME_PART_REGEX}`,
    });
  });

  test('formatLabels prints sorted pairs or <none>', () => {
    assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
    assert.equal(formatLabels({}), '<none>');
    assert.equal(formatLabels(undefined), '<none>');
  });
});
