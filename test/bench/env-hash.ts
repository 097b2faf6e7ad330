// env-hash: hashes per second of the bit-exact env-from-metadata hash (machines/container-meta) on
// a container with 20 env variables read from the pod's labels and annotations. Report only.
//
// `.expected` is the manager's computation from the pod (selection, stable sort, Go JSON, go-spew,
// FNV-1a 32). `.current` is the daemon's from one environment read: the OCI spec's 30 `NAME=value`
// entries (the 20 plus image and plain variables) cut down to the 20 names, then hashed. Values
// are realistic: versions, names, a URL, non-ASCII text, an HTML-ish annotation. Both computations
// must agree before anything is timed; the best of five one-second rounds is reported, after a
// warm-up, so a busy machine's slow round does not set the figure.
import { pickEnvValues, valueOfPicked, type ContainerEnvironmentRead } from '../../machines/container-meta/container-environment.js';
import { currentEnvHash, envFromMetadata, expectedEnvHash, type EnvVarSpec } from '../../machines/container-meta/env-hash.js';
import { progress } from './harness.js';
import { figure, type Result } from './report.js';

const VARIABLES = 20;
const ROUNDS = 5;
const ROUND_MS = 1_000;

const labels: Record<string, string> = {};
const annotations: Record<string, string> = {};
const env: EnvVarSpec[] = [{ name: 'PLAIN', value: 'x' }];
/** What the kubelet resolved each variable to: the container's environment. */
const inside: string[] = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=web-0', 'PLAIN=x'];
for (let i = 0; i < VARIABLES; i++) {
  const key = `example.com/key-${i}`;
  const name = `META_VAR_${String(i).padStart(2, '0')}`;
  const value = [`v1.${i}.3`, `web-${i}`, `https://svc-${i}.example.com/path?a=1&b=2`, `grüße ${i} 日本`, `<b>${i}</b> & more`][i % 5]!;
  const field = i % 2 === 0 ? 'labels' : 'annotations';
  (field === 'labels' ? labels : annotations)[key] = value;
  env.push({ name, valueFrom: { fieldRef: { fieldPath: `metadata.${field}['${key}']` } } });
  inside.push(`${name}=${value}`);
}
for (let i = 0; i < 7; i++) inside.push(`KUBERNETES_SERVICE_${i}=10.0.0.${i}`);
const names = envFromMetadata(env).map((e) => e.name);
const read: ContainerEnvironmentRead = { source: 'runtime-spec', entries: inside, caseInsensitiveNames: false };

function expected(): number {
  return expectedEnvHash(env, { labels, annotations });
}

function current(): number {
  return currentEnvHash(env, valueOfPicked(pickEnvValues(read, names)));
}

/** Best rate over the rounds, in calls per second. */
function rate(body: () => number): number {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink ^= body(); // warm-up
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let calls = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (let i = 0; i < 1_000; i++) sink ^= body();
      calls += 1_000;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (calls / elapsed) * 1000);
  }
  if (sink === 0.5) throw new Error('unreachable: keeps the results alive');
  return best;
}

export async function run(): Promise<Result[]> {
  if (names.length !== VARIABLES) throw new Error(`the container reads ${names.length} variables from metadata, not ${VARIABLES}`);
  if (expected() !== current()) throw new Error(`expected hash ${expected()} != current hash ${current()}: the read does not hold the pod's values`);
  progress(`hashing a ${VARIABLES}-variable container: from the pod, then from an environment read`);
  return [figure('env-hash.expected', rate(expected), 'hashes/s'), figure('env-hash.current', rate(current), 'hashes/s')];
}
