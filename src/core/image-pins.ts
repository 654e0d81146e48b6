/**
 * The file names of the image-pins layout, which render (reading it) and release management
 * (`capstan pin set`, promotion: writing it) share.
 */

/** The file holding the registry prefix images are pinned under (`registry.example.com/team/dev`). */
export const imagesPathFile = 'images_path';

/**
 * The suffix of a pin that sets the image of an existing Deployment (`api.deployment`): the
 * Deployment is not in the repo, and capstan owns nothing of it but that image.
 */
export const deploymentPinSuffix = '.deployment';

const gitHash = /^[0-9a-fA-F]{7,40}$/;

/** What a pin holds: the commit the image was built from, 7 to 40 hex characters. */
export function isGitHash(text: string): boolean {
  return gitHash.test(text);
}
