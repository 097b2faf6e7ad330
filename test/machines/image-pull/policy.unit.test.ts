import { describe, expect, it } from 'vitest';
import {
  attemptTimeoutMs,
  backoffMs,
  deadlineAtMs,
  deadlinePassed,
  familiarReference,
  imageMatches,
  isDigest,
  maxAttempts,
  perAttemptTimeoutMs,
  progressPercent,
  pullReference,
  referenceProblem,
  tagStatusOf,
} from '../../../machines/image-pull/policy.js';
import { rfc3339 } from '../../../machines/shared/index.js';

describe('image-pull policy', () => {
  it('makes backoffLimit + 1 attempts, with an absent or negative backoffLimit meaning 3', () => {
    expect(maxAttempts(undefined)).toBe(4);
    expect(maxAttempts({})).toBe(4);
    expect(maxAttempts({ backoffLimit: -5 })).toBe(4);
    expect(maxAttempts({ backoffLimit: 0 })).toBe(1);
    expect(maxAttempts({ backoffLimit: 6 })).toBe(7);
  });

  it('defaults the per-attempt timeout to 600 s and treats a negative one as already expired', () => {
    expect(perAttemptTimeoutMs(undefined)).toBe(600_000);
    expect(perAttemptTimeoutMs({ timeoutSeconds: 5 })).toBe(5_000);
    expect(perAttemptTimeoutMs({ timeoutSeconds: -1 })).toBe(0);
  });

  it('sleeps 1 s after the first failure, doubling to a 30 s cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('counts the deadline from the start and caps the attempt budget at the time left', () => {
    expect(deadlineAtMs(undefined, 1000)).toBeNull();
    expect(deadlineAtMs({ activeDeadlineSeconds: 10 }, 1000)).toBe(11_000);
    expect(deadlinePassed(null, 1e15)).toBe(false);
    expect(deadlinePassed(11_000, 10_999)).toBe(false);
    expect(deadlinePassed(11_000, 11_000)).toBe(true);
    expect(attemptTimeoutMs(600_000, null, 5)).toBe(600_000);
    expect(attemptTimeoutMs(600_000, 11_000, 6_000)).toBe(5_000);
    expect(attemptTimeoutMs(3_000, 11_000, 6_000)).toBe(3_000);
  });

  it('turns bytes into a percentage below 100, and 0 while the total is unknown', () => {
    expect(progressPercent(0, 0)).toBe(0);
    expect(progressPercent(10, 0)).toBe(0);
    expect(progressPercent(1, 3)).toBe(33);
    expect(progressPercent(999, 1000)).toBe(99);
    expect(progressPercent(1000, 1000)).toBe(99);
    expect(progressPercent(2000, 1000)).toBe(99);
  });

  it('joins a digest tag with @ and a plain tag with :', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(isDigest(digest)).toBe(true);
    expect(isDigest('1.21')).toBe(false);
    expect(isDigest('sha256')).toBe(false);
    expect(pullReference('nginx', '1.21')).toBe('nginx:1.21');
    expect(pullReference('registry.k8s.io/pause', digest)).toBe(`registry.k8s.io/pause@${digest}`);
  });

  it.each([
    ['docker.io/library/nginx:1.21', { name: 'nginx', tag: '1.21', digest: null }],
    ['index.docker.io/library/nginx:1.21', { name: 'nginx', tag: '1.21', digest: null }],
    ['nginx', { name: 'nginx', tag: null, digest: null }],
    ['library/nginx:1', { name: 'nginx', tag: '1', digest: null }],
    ['docker.io/bitnami/redis:7', { name: 'bitnami/redis', tag: '7', digest: null }],
    ['docker.io/library/a/b:1', { name: 'library/a/b', tag: '1', digest: null }],
    ['registry.k8s.io/pause:3.9', { name: 'registry.k8s.io/pause', tag: '3.9', digest: null }],
    ['localhost:5000/app:v1', { name: 'localhost:5000/app', tag: 'v1', digest: null }],
    ['localhost/app', { name: 'localhost/app', tag: null, digest: null }],
    ['docker.io/library/nginx@sha256:abc', { name: 'nginx', tag: null, digest: 'sha256:abc' }],
  ])('normalises %s to its familiar name', (reference, expected) => {
    expect(familiarReference(reference)).toEqual(expected);
  });

  it('matches a runtime image by normalised repo tag, or by repo digest for a digest tag', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const image = { id: 'sha256:1', repoTags: ['docker.io/library/nginx:1.21', 'localhost:5000/app:v1'], repoDigests: [`docker.io/library/nginx@${digest}`] };
    expect(imageMatches('nginx', '1.21', image)).toBe(true);
    expect(imageMatches('docker.io/library/nginx', '1.21', image)).toBe(true);
    expect(imageMatches('localhost:5000/app', 'v1', image)).toBe(true);
    expect(imageMatches('nginx', '1.20', image)).toBe(false);
    expect(imageMatches('other/nginx', '1.21', image)).toBe(false);
    expect(imageMatches('nginx', digest, image)).toBe(true);
    expect(imageMatches('nginx', `sha256:${'c'.repeat(64)}`, image)).toBe(false);
    expect(imageMatches('nginx', '1.21', null)).toBe(false);
  });

  it('formats epoch ms as RFC 3339 at second precision exactly as Date would', () => {
    const samples = [
      0,
      951_782_400_000,
      1_709_164_800_000,
      Date.UTC(2026, 2, 1, 23, 59, 59, 999),
      Date.UTC(2100, 1, 28),
      Date.UTC(2000, 1, 29, 12),
      4_102_444_800_000,
    ];
    for (let ms = 0; ms < 5e12; ms += 86_399_123_457) samples.push(ms);
    for (const ms of samples) expect(rfc3339(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });

  it('leaves empty optional fields out of the status entry, as upstream omitempty does', () => {
    const base = { tag: 't', version: 2, phase: 'Pulling' as const, progress: 0, startTime: '', completionTime: '', imageID: '', message: '' };
    expect(tagStatusOf(base)).toEqual({ tag: 't', phase: 'Pulling', version: 2 });
    expect(Object.keys(tagStatusOf({ ...base, progress: 5, startTime: 's', completionTime: 'c', imageID: 'i', message: 'm' }))).toEqual([
      'tag',
      'phase',
      'version',
      'progress',
      'startTime',
      'completionTime',
      'imageID',
      'message',
    ]);
  });

  it.each([
    ['nginx', '1.21', null],
    ['registry.k8s.io/pause', '3.9', null],
    ['127.0.0.1:5000/a/b_c__d-e.f', 'v1.0-rc_1', null],
    ['localhost/app', 'latest', null],
    ['[::1]:5000/app', '1', null],
    ['nginx', `sha256:${'a'.repeat(64)}`, null],
    ['Nginx', '1', 'invalid reference format: repository name must be lowercase'],
    ['reg.io/Team/app', '1', 'invalid reference format: repository name must be lowercase'],
    ['nginx', 'bad tag', 'invalid reference format: invalid tag'],
    ['nginx', '.dot', 'invalid reference format: invalid tag'],
    ['nginx', 'x'.repeat(129), 'invalid reference format: invalid tag'],
    ['nginx', '', 'invalid reference format: empty tag'],
    ['', '1', 'repository name must have at least one component'],
    ['reg.io//app', '1', 'invalid reference format'],
    ['app-', '1', 'invalid reference format'],
    ['bad_host.io:port/app', '1', 'invalid reference format: invalid domain'],
    [`r.io/${'a'.repeat(260)}`, '1', 'invalid reference format: repository name must not be more than 255 characters'],
  ])('checks %j with tag %j against the reference grammar: %j', (name, tag, problem) => {
    expect(referenceProblem(name, tag)).toBe(problem);
  });
});
