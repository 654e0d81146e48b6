/**
 * Helm chart references, pure: the version constraint and the repository URL, checked the same way
 * when capstan.yaml loads and when a chart is fetched.
 *
 * Helm's version constraints (Masterminds/semver, as `helm install --version` and Chart.yaml read
 * them) checked with npm's `semver`: `,` and spaces between comparators are AND, `||` is OR, `=>` and
 * `=<` are `>=` and `<=`, `!=` excludes one version. Prereleases match only when the constraint names
 * one, as in Helm.
 */
import semver from 'semver';

export interface VersionConstraint {
  /** The constraint as written. */
  text: string;
  /** An exact version (`1.2.3`, `v1.2.3`): no index or tag list is needed when it is cached. */
  exact?: string;
  /** Whether a version satisfies it. */
  test(version: string): boolean;
}

interface Branch {
  range: semver.Range;
  excluded: string[];
}

/** Parses a constraint; throws an Error saying what is wrong (the caller names where it was written). */
export function parseVersionConstraint(text: string): VersionConstraint {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('is empty: write a version such as 1.2.3, or a range such as ^1.2');
  const exact = /^[=v]*\d/.test(trimmed) && !/[\s,<>^~*|xX]/.test(trimmed.replace(/^=/, '')) ? canonicalVersion(trimmed) : undefined;
  if (exact !== undefined) return { text: trimmed, exact, test: (version) => canonicalVersion(version) === exact };

  const includePrerelease = /\d-[0-9A-Za-z]/.test(trimmed);
  const branches: Branch[] = trimmed.split('||').map((part) => {
    const excluded: string[] = [];
    const comparators: string[] = [];
    // hyphen ranges (`1.2 - 1.4`) stay one comparator; commas and spaces separate the others
    const normalized = part.replace(/\s+-\s+/g, '~hyphen~').replace(/(>=|<=|=>|=<|!=|~>|>|<|=|~|\^)\s+/g, '$1');
    for (const raw of normalized.split(/[\s,]+/).filter(Boolean)) {
      const term = raw.split('~hyphen~').join(' - ').replace(/^=>/, '>=').replace(/^=</, '<=');
      if (term.startsWith('!=')) {
        const version = semver.valid(semver.coerce(term.slice(2), { loose: true, includePrerelease: true }) ?? '', { loose: true });
        if (version === null) throw new Error(`has ${JSON.stringify(term)}, which excludes no version`);
        excluded.push(version);
      } else {
        comparators.push(term);
      }
    }
    let range: semver.Range;
    try {
      range = new semver.Range(comparators.join(' ') || '*', { loose: true, includePrerelease });
    } catch {
      throw new Error(`is not a version range Helm understands (${JSON.stringify(part.trim())}): write it like 1.2.3, ^1.2, ~1.2.0 or ">=1.0, <2.0"`);
    }
    return { range, excluded };
  });
  return {
    text: trimmed,
    test(version) {
      const parsed = semver.parse(version, { loose: true });
      if (parsed === null) return false;
      return branches.some((b) => b.range.test(parsed) && !b.excluded.includes(parsed.version));
    },
  };
}

/** A version as `major.minor.patch[-pre][+build]` (no `v`, build metadata kept); undefined when it is not one. */
export function canonicalVersion(version: string): string | undefined {
  const parsed = semver.parse(version.trim().replace(/^=/, ''), { loose: true });
  if (parsed === null) return undefined;
  return parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
}

/** The highest of `versions` that satisfies the constraint, as written in the list; undefined when none does. */
export function pickVersion(constraint: VersionConstraint, versions: readonly string[]): string | undefined {
  let best: { written: string; parsed: semver.SemVer } | undefined;
  for (const written of versions) {
    const parsed = semver.parse(written, { loose: true });
    if (parsed === null || !constraint.test(written)) continue;
    if (best === undefined || semver.gt(parsed, best.parsed)) best = { written, parsed };
  }
  return best?.written;
}

/** The newest `count` versions of a list, newest first (for "no version matches" messages). */
export function newestVersions(versions: readonly string[], count: number): string[] {
  return versions
    .map((written) => ({ written, parsed: semver.parse(written, { loose: true }) }))
    .filter((v): v is { written: string; parsed: semver.SemVer } => v.parsed !== null)
    .sort((a, b) => semver.rcompare(a.parsed, b.parsed))
    .slice(0, count)
    .map((v) => v.written);
}

/** Is `repository` a chart source capstan can fetch from? A message saying what to write instead, or undefined when it is. */
export function checkChartRepository(repository: string): string | undefined {
  if (/^(@|alias:)/.test(repository)) return `${JSON.stringify(repository)} is a repository alias of \`helm repo add\`, which capstan does not read: write the repository's URL (https://… or oci://…)`;
  let url: URL;
  try {
    url = new URL(repository);
  } catch {
    return `${JSON.stringify(repository)} is not a URL: write https://charts.example.com or oci://registry.example.com/charts`;
  }
  if (!['https:', 'http:', 'oci:'].includes(url.protocol)) return `uses ${url.protocol}//, which capstan does not fetch charts from: write https://…, http://… or oci://…`;
  if (url.username || url.password) return 'holds a username or password: put them in credentials ({ file } or { secret }), never in the repository URL';
  if (url.search || url.hash) return 'has a query or fragment: write the repository URL alone';
  if (url.protocol === 'oci:' && !url.host) return 'names no registry host: write oci://registry.example.com/path';
  return undefined;
}
