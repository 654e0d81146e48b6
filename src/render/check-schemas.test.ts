import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Manifest } from '../core/index.ts';
import { checkSchemas, RenderValidationError, type RenderedObject } from './index.ts';

function rendered(yaml: string, source: string): RenderedObject {
  return { manifest: parse(yaml) as Manifest, source };
}

async function problemsOf(objects: RenderedObject[]): Promise<string[]> {
  const error = await checkSchemas(objects).then(
    () => assert.fail('expected a RenderValidationError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof RenderValidationError, String(error));
  return error.message.split('\n');
}

const deployment = (container: string, replicas = '2'): RenderedObject =>
  rendered(
    `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, labels: { app.kubernetes.io/name: web } }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - ${container}
`,
    'apps/web/web.yaml',
  );

const widgetCrd = rendered(
  `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com }
spec:
  group: example.com
  scope: Namespaced
  names: { kind: Widget, plural: widgets }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          description: A widget.
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                color: { type: string, enum: [red, blue], nullable: true }
                port: { x-kubernetes-int-or-string: true, anyOf: [{ type: integer }, { type: string }] }
                extra: { type: object, x-kubernetes-preserve-unknown-fields: true }
                parts: { type: array, items: { type: object, properties: { name: { type: string } } } }
    - name: v2
      served: true
      storage: false
`,
  'crds/widget.yaml',
);

describe('checkSchemas', () => {
  it('refuses what kubeconform refuses in a Deployment: a string for an integer, an unknown field, a value outside an enum', async () => {
    const objects = [deployment('{ name: web, image: "nginx:1.27", imagePullPolicy: Sometimes, ports: [{ containerPort: 80, portz: 8080 }] }', 'two')];
    assert.deepEqual(await problemsOf(objects), [
      'the render has 3 problems:',
      '  apps/web/web.yaml: Deployment/shop/web: spec.replicas: must be an integer, got string "two"',
      '  apps/web/web.yaml: Deployment/shop/web: spec.template.spec.containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never, got string "Sometimes"',
      '  apps/web/web.yaml: Deployment/shop/web: spec.template.spec.containers[0].ports[0].portz: unknown field (known fields here: containerPort, hostIP, hostPort, name, protocol)',
    ]);
  });

  it('accepts valid built-in objects, ints or strings, quantities and free-form fields, and counts them', async () => {
    const objects = [
      deployment('{ name: web, image: nginx, ports: [{ containerPort: 80, name: http }], resources: { limits: { cpu: 500m, memory: 1Gi }, requests: { cpu: 1 } }, readinessProbe: { httpGet: { port: http } }, livenessProbe: { tcpSocket: { port: 80 } } }'),
      rendered('apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: shop }\ntype: Opaque\nstringData: { password: hunter2 }\n', 'apps/web/secret.yaml'),
      rendered('apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: { name: high }\nvalue: 1000\ndescription: for the shop\n', 'apps/web/priority.yaml'),
      widgetCrd,
    ];
    assert.deepEqual(await checkSchemas(objects), { checked: 4, unchecked: [] });
  });

  it('names the field of a case mistake, and never quotes the values of a Secret', async () => {
    const objects = [
      deployment('{ name: web, image: nginx, ImagePullPolicy: Always }'),
      rendered('apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: shop }\ndata: { password: 12345 }\n', 'apps/web/secret.yaml'),
    ];
    assert.deepEqual(await problemsOf(objects), [
      'the render has 2 problems:',
      '  apps/web/web.yaml: Deployment/shop/web: spec.template.spec.containers[0].ImagePullPolicy: unknown field: did you mean "imagePullPolicy"? (field names are case-sensitive)',
      '  apps/web/secret.yaml: Secret/shop/creds: data.password: must be a string',
    ]);
  });

  it('quotes no value of any object when the render decrypted SOPS files: a decrypted ConfigMap is as secret as a Secret', async () => {
    const objects = [
      rendered('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings, namespace: shop }\ndata: { token: 987654321 }\n', 'apps/web/settings.sops.yaml'),
      deployment('{ name: web, image: nginx, imagePullPolicy: Sometimes }', '"two"'),
    ];
    const error = await checkSchemas(objects, { sensitive: true }).then(
      () => assert.fail('expected a RenderValidationError'),
      (e: unknown) => e as Error,
    );
    assert.deepEqual(error.message.split('\n'), [
      'the render has 3 problems:',
      '  apps/web/settings.sops.yaml: ConfigMap/shop/settings: data.token: must be a string',
      '  apps/web/web.yaml: Deployment/shop/web: spec.replicas: must be an integer',
      '  apps/web/web.yaml: Deployment/shop/web: spec.template.spec.containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never',
    ]);
    assert.doesNotMatch(error.message, /987654321|two|Sometimes/);
  });

  it('checks custom resources against the CRD of the same render, as the API server reads a structural schema', async () => {
    const widget = (spec: string, apiVersion = 'example.com/v1'): RenderedObject => rendered(`apiVersion: ${apiVersion}\nkind: Widget\nmetadata: { name: w, namespace: shop }\nspec: ${spec}\n`, 'apps/web/widget.yaml');
    const good = widget('{ size: 2, color: null, port: http, extra: { anything: [1] }, parts: [{ name: a }] }');
    assert.deepEqual(await checkSchemas([widgetCrd, good]), { checked: 2, unchecked: [] });
    assert.deepEqual(await problemsOf([widgetCrd, widget('{ size: two, color: green, port: 8080, parts: [{ nam: a }], colour: red }')]), [
      'the render has 4 problems:',
      '  apps/web/widget.yaml: Widget/shop/w: spec.colour: unknown field',
      '  apps/web/widget.yaml: Widget/shop/w: spec.size: must be an integer, got string "two"',
      '  apps/web/widget.yaml: Widget/shop/w: spec.color: must be one of red, blue, null, got string "green"',
      '  apps/web/widget.yaml: Widget/shop/w: spec.parts[0].nam: unknown field',
    ]);
    assert.deepEqual(await problemsOf([widgetCrd, widget('{ color: red }')]), ['apps/web/widget.yaml: Widget/shop/w: spec.size: is required']);
    const v2 = await checkSchemas([widgetCrd, widget('{ anything: 1 }', 'example.com/v2')]);
    assert.deepEqual(v2.unchecked.map((u) => `${u.subject} ${u.reason}: ${u.detail}`), ['Widget/shop/w no-schema: its CustomResourceDefinition (crds/widget.yaml) declares no schema for this version']);
  });

  it('leaves a custom resource whose CRD is not in the render to apply, and says so', async () => {
    const rollout = rendered('apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: { name: api, namespace: shop }\nspec: { replicas: two }\n', 'apps/api/rollout.yaml');
    assert.deepEqual(await checkSchemas([rollout]), {
      checked: 0,
      unchecked: [{ source: 'apps/api/rollout.yaml', subject: 'Rollout/shop/api', apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', reason: 'no-crd', detail: 'its CRD is not in the render' }],
    });
  });

  it('relies on validators that read every property the kubernetes-models types declare, but description and x-* (which builtin-schemas takes as declared)', () => {
    const root = path.dirname(path.dirname(fileURLToPath(import.meta.resolve('kubernetes-models/v1/Pod'))));
    const missed: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) {
          if (name !== '_schemas') walk(full);
          continue;
        }
        if (!name.endsWith('.d.ts') || name === 'index.d.ts') continue;
        const model = readFileSync(full.replace(/\.d\.ts$/, '.js'), 'utf8');
        const schemaFile = /from"([^"]*_schemas\/[^"]+)"/.exec(model)?.[1];
        const declared = /export interface I\w+ \{([\s\S]*?)\n\}/.exec(readFileSync(full, 'utf8'))?.[1];
        if (!schemaFile || !declared) continue;
        const validator = readFileSync(path.join(path.dirname(full), schemaFile), 'utf8');
        for (const [, property] of declared.matchAll(/^ {4}"([^"]+)"\??:/gm)) {
          if (property === 'description' || property.startsWith('x-')) continue;
          if (!validator.includes(`data.${property}`) && !validator.includes(`data["${property}"]`)) missed.push(`${path.relative(root, full)}: ${property}`);
        }
      }
    };
    walk(root);
    assert.deepEqual(missed, []);
  });
});
