import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { artifactManifests, readArtifact, readRelease, releaseFile } from '../config/index.ts';
import { NotReleasedError, ValidationError } from '../core/index.ts';
import { renderDirectory } from './render-directory.ts';
import type { SopsAccess } from './sops-access.ts';
import type { RenderedObject } from './types.ts';

/**
 * An app of `type: artifact`: the manifests of the artifact released to the environment
 * (`releases/<service>/<env>.yaml` names it), read as a directory app reads its source. Before
 * the service's first release in the environment this throws NotReleasedError.
 */
export async function renderArtifact(repoDir: string, service: string, env: string, sops: SopsAccess): Promise<RenderedObject[]> {
  const release = await readRelease(repoDir, service, env);
  if (release === undefined) throw new NotReleasedError(service, env);
  const artifact = await readArtifact(repoDir, service, release.artifact);
  if (artifact === undefined) {
    throw new ValidationError(`${releaseFile(service, env)}: it releases artifact "${release.artifact}", which is not in artifacts/${service}/: push it with capstan artifact push, or release another with capstan release ${service} --env ${env}`);
  }
  const dir = artifactManifests(artifact, env);
  const exists = dir !== undefined && existsSync(path.join(repoDir, ...dir.split('/'))) && statSync(path.join(repoDir, ...dir.split('/'))).isDirectory();
  if (!exists) {
    throw new ValidationError(`artifact "${artifact.id}" of service "${service}" has no manifests for environment "${env}" (it has ${artifact.environments?.join(', ') ?? 'none'}): push an artifact with an ${env}/ folder, or release another one`);
  }
  return renderDirectory(repoDir, dir, sops, { allowEmpty: false });
}
