// The manager's image normalisation (`NormalizeImageRefToNameTag`, contract §3.1): the docker
// "familiar" name plus a tag; `latest` when there is neither tag nor digest; a digest-only
// reference puts the digest in the tag position.

export interface ImageNameTag {
  readonly name: string;
  readonly tag: string;
}

export function normalizeImageRef(ref: string): ImageNameTag {
  let rest = ref.trim();
  if (rest === '' || rest !== rest.replace(/\s/g, '')) throw new Error(`invalid reference format: ${JSON.stringify(ref)}`);
  let digest: string | undefined;
  const atSign = rest.indexOf('@');
  if (atSign >= 0) {
    digest = rest.slice(atSign + 1);
    rest = rest.slice(0, atSign);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = rest;
  if (!hasDomain || first === 'docker.io' || first === 'index.docker.io') {
    name = hasDomain ? rest.slice(slash + 1) : rest;
    if (name.startsWith('library/') && !name.slice('library/'.length).includes('/')) name = name.slice('library/'.length);
  }
  if (name !== name.toLowerCase()) throw new Error(`invalid reference format: repository name must be lowercase: ${ref}`);
  return { name, tag: tag ?? digest ?? 'latest' };
}
