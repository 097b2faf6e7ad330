// Image reference → normalised repository, as docker's reference.ParseNormalizedNamed names it
// (what kubelet looks up in its keyring; contract §3.5 "normalised repository"):
//   nginx:1.21                  → docker.io/library/nginx
//   user/app@sha256:…           → docker.io/user/app
//   index.docker.io/library/x   → docker.io/library/x
//   localhost:5000/a/b:tag      → localhost:5000/a/b
// The first path component is a registry host when it contains `.` or `:`, is `localhost`, or
// has an upper-case letter; otherwise the image is on Docker Hub.
import { ImageReferenceError } from './errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';

export interface RepositoryName {
  readonly domain: string;
  /** The path after the domain, e.g. `library/nginx`. */
  readonly path: string;
  /** `domain/path`. */
  readonly repository: string;
}

export function parseRepository(image: string): RepositoryName {
  if (image === '' || /\s/.test(image)) throw new ImageReferenceError(image, 'empty or contains white space');
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) name = name.slice(0, colon);

  let domain = DEFAULT_DOMAIN;
  let path = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = name.slice(slash + 1);
    }
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  if (domain === '' || path.split('/').some((c) => c === '')) {
    throw new ImageReferenceError(image, 'empty registry or path component');
  }
  return { domain, path, repository: `${domain}/${path}` };
}

/** `nginx:1.21` → `docker.io/library/nginx`. Throws ImageReferenceError. */
export function normaliseRepository(image: string): string {
  return parseRepository(image).repository;
}
