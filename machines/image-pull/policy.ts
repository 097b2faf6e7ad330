// Pure rules of the image puller: defaults, attempt and backoff math, the upstream messages,
// image-reference normalisation for `IfNotPresent`. Time formatting is in machines/shared. Contract §3.3–3.5;
// upstream `openkruise/kruise pkg/daemon/imagepuller/imagepuller_worker.go`.
import type { ImageTagStatus, RuntimeImage, SandboxConfig, TagPullPolicy } from './types.js';

/** Per-attempt timeout when `pullPolicy.timeoutSeconds` is absent (upstream `defaultImagePullingTimeout`). */
export const DEFAULT_TIMEOUT_SECONDS = 600;
/** Retries when `pullPolicy.backoffLimit` is absent or negative (upstream `defaultImagePullingBackoffLimit`). */
export const DEFAULT_BACKOFF_LIMIT = 3;
/** First sleep after a failed attempt; it doubles each time. */
export const BACKOFF_START_MS = 1_000;
/** Longest sleep between attempts. */
export const BACKOFF_CAP_MS = 30_000;
/** Annotation the daemon always adds to the pull's sandbox config (contract §3.5). */
export const PULLING_IMAGE_BY_ANNOTATION = 'apps.kruise.io/pulling-image-by';

/** Attempts in total: backoffLimit + 1, where an absent or negative backoffLimit means 3. */
export function maxAttempts(policy: TagPullPolicy | undefined): number {
  const limit = policy?.backoffLimit;
  return (limit === undefined || limit < 0 ? DEFAULT_BACKOFF_LIMIT : Math.floor(limit)) + 1;
}

/** Per-attempt timeout in ms (600 s by default). Go's WithTimeout takes a negative value as "already expired": 0. */
export function perAttemptTimeoutMs(policy: TagPullPolicy | undefined): number {
  return Math.max(0, (policy?.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000);
}

/** Absolute deadline (ms) from the worker's start, or null without activeDeadlineSeconds. */
export function deadlineAtMs(policy: TagPullPolicy | undefined, startedAtMs: number): number | null {
  const seconds = policy?.activeDeadlineSeconds;
  return seconds === undefined ? null : startedAtMs + seconds * 1000;
}

/** Upstream's check before each attempt: the deadline has passed when now ≥ deadline. */
export function deadlinePassed(deadlineMs: number | null, nowMs: number): boolean {
  return deadlineMs !== null && nowMs >= deadlineMs;
}

/** The attempt's budget: the per-attempt timeout, capped at the time left to the deadline. */
export function attemptTimeoutMs(timeoutMs: number, deadlineMs: number | null, nowMs: number): number {
  return deadlineMs === null ? timeoutMs : Math.max(0, Math.min(timeoutMs, deadlineMs - nowMs));
}

/** Sleep after failed attempt n (1-based): 1 s, 2 s, 4 s … capped at 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_START_MS * 2 ** Math.max(0, attempt - 1), BACKOFF_CAP_MS);
}

/** Percentage for status from bytes: never 100 (that is reserved for a verified success). */
export function progressPercent(bytesDone: number, bytesTotal: number): number {
  if (!(bytesTotal > 0) || !(bytesDone > 0)) return 0;
  return Math.min(99, Math.floor((bytesDone * 100) / bytesTotal));
}

// Upstream's messages, verbatim. `<n>:<t>` is joined with ':' even for digest tags, as upstream does.
export const deadlineExceededMessage = (): string => 'pulling exceeds the activeDeadlineSeconds';
export const canceledMessage = (name: string, tag: string): string => `pulling image ${name}:${tag} is canceled`;
/** Upstream's "is canceled", saying why when the spec's own timeoutSeconds left the attempt no time. */
export function attemptCanceledMessage(name: string, tag: string, policy: TagPullPolicy | undefined): string {
  const seconds = policy?.timeoutSeconds;
  return seconds !== undefined && seconds <= 0
    ? `${canceledMessage(name, tag)} (timeoutSeconds ${seconds} leaves no time to pull)`
    : canceledMessage(name, tag);
}
export const stoppedMessage = (name: string, tag: string): string => `pulling image ${name}:${tag} is stopped`;
export const notFoundMessage = (name: string, tag: string): string => `image ${name}:${tag} not found`;

/** A tag that is really a digest (the manager puts a digest-only reference in the tag position). */
export function isDigest(tag: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(tag);
}

/** The reference sent to the runtime: `<name>:<tag>`, or `<name>@<digest>` (upstream bug #2534 fixed). */
export function pullReference(name: string, tag: string): string {
  return `${name}${isDigest(tag) ? '@' : ':'}${tag}`;
}

// The grammar of distribution/reference (`regexp.go`): what containerd accepts as a reference.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** distribution/reference's NameTotalLengthMax. */
const NAME_MAX = 255;

/**
 * Why `<name>` with `<tag>` (or digest) is not an image reference the runtime can pull, in
 * distribution/reference's words, or null when it is one. Such a spec cannot heal by retrying.
 */
export function referenceProblem(name: string, tag: string): string | null {
  if (name === '') return 'repository name must have at least one component';
  if (!isDigest(tag) && !TAG.test(tag)) return tag === '' ? 'invalid reference format: empty tag' : 'invalid reference format: invalid tag';
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (hasDomain && !DOMAIN.test(first)) return 'invalid reference format: invalid domain';
  const path = hasDomain ? name.slice(slash + 1) : name;
  const components = path.split('/');
  if (components.some((c) => !PATH_COMPONENT.test(c))) {
    return components.every((c) => PATH_COMPONENT.test(c.toLowerCase()))
      ? 'invalid reference format: repository name must be lowercase'
      : 'invalid reference format';
  }
  if (name.length > NAME_MAX) return `invalid reference format: repository name must not be more than ${NAME_MAX} characters`;
  return null;
}

export const invalidReferenceMessage = (name: string, tag: string, problem: string): string =>
  `invalid image reference ${JSON.stringify(pullReference(name, tag))}: ${problem}`;

/** The pull's sandbox config: the spec's, plus the pulling-image-by annotation. */
export function pullSandboxConfig(config: SandboxConfig | undefined): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { ...config?.labels },
    annotations: { ...config?.annotations, [PULLING_IMAGE_BY_ANNOTATION]: 'kruise-daemon' },
  };
}

/** A reference split into docker's familiar name, tag and digest (`docker.io/library/nginx:1` → `nginx`, `1`). */
export interface FamiliarReference {
  readonly name: string;
  readonly tag: string | null;
  readonly digest: string | null;
}

/** Normalises like docker's `reference.FamiliarName`: `docker.io/library/x` → `x`, `docker.io/a/b` → `a/b`. */
export function familiarReference(reference: string): FamiliarReference {
  let rest = reference;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) [rest, tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  const hasDomain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let domain = hasDomain ? first : 'docker.io';
  let path = hasDomain ? rest.slice(slash + 1) : rest;
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain !== 'docker.io') return { name: `${domain}/${path}`, tag, digest };
  if (path.startsWith('library/') && !path.slice('library/'.length).includes('/')) path = path.slice('library/'.length);
  return { name: path, tag, digest };
}

/**
 * Whether the runtime's image is `<name>`/`<tag>` of the spec: some repo tag normalises to the same
 * familiar name and tag, or, for a digest tag, some repo digest to the same name and digest.
 */
export function imageMatches(name: string, tag: string, image: RuntimeImage | null): boolean {
  if (image === null) return false;
  const want = familiarReference(name).name;
  if (isDigest(tag)) return image.repoDigests.some((d) => familiarReference(d).name === want && familiarReference(d).digest === tag);
  return image.repoTags.some((t) => {
    const got = familiarReference(t);
    return got.name === want && (got.tag ?? 'latest') === tag;
  });
}

/** The fields a tag status is built from; the machine's context carries them. */
export interface TagStatusFields {
  readonly tag: string;
  readonly version: number;
  readonly phase: ImageTagStatus['phase'];
  readonly progress: number;
  readonly startTime: string;
  readonly completionTime: string;
  readonly imageID: string;
  readonly message: string;
}

/** The status entry as upstream serialises it: empty optional fields are left out (omitempty). */
export function tagStatusOf(f: TagStatusFields): ImageTagStatus {
  return {
    tag: f.tag,
    phase: f.phase,
    version: f.version,
    ...(f.progress !== 0 && { progress: f.progress }),
    ...(f.startTime !== '' && { startTime: f.startTime }),
    ...(f.completionTime !== '' && { completionTime: f.completionTime }),
    ...(f.imageID !== '' && { imageID: f.imageID }),
    ...(f.message !== '' && { message: f.message }),
  };
}
