import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from './to-yaml.ts';

describe('toYaml', () => {
  it('writes a manifest in block style', () => {
    expect(toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', labels: {} }, data: { 'app.conf': 'port = 80\nhost = x\n' }, list: [{ name: 'a', ports: [80, 443] }, 'b'] })).toBe(
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: config', '  labels: {}', 'data:', '  app.conf: |', '    port = 80', '    host = x', 'list:', '- name: a', '  ports:', '  - 80', '  - 443', '- b', ''].join('\n'),
    );
  });

  it('reads back as the same value, quoting what plain YAML would misread', () => {
    const value = {
      strings: ['true', 'no', '1.10', '0x1F', '', ' lead', 'trail ', 'a: b', 'x #y', '- item', '*ref', '{x}', 'é', '~', 'null', '"q"', "'s'", 'tab\there', '***MASKED***'],
      numbers: [0, -1.5, 1e21],
      flags: [true, false, null],
      texts: ['one\ntwo', 'ends\n', 'ends twice\n\n', '  indented\nsecond', 'cr\r\nlf'],
      'key: colon': { '': 'empty key', '3': 'numeric key' },
      nested: [[1, 2], [], {}],
    };
    expect(parse(toYaml(value))).toEqual(value);
  });
});
