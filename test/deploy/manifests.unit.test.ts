// Checks the deployment in deploy/ against the daemon's own flag parser and against the
// kruise-daemon contract (§1.1 deployment, §1.2 RBAC, §8 Windows). No cluster is involved.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAll } from 'js-yaml';
import { parseDaemonFlags } from '../../daemon/flags.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const BASE = `${DEPLOY}base/`;
const PACKAGE = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { bin: { kruised: string } };

/** A YAML value as js-yaml's core schema types it: `port: 10221` is a number, `hostNetwork: true` a boolean. */
type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
type Obj = { [key: string]: Yaml };
const parseYamlDocuments = (text: string): Yaml[] => loadAll(text) as Yaml[];

const docsOf = (file: string): Obj[] => parseYamlDocuments(readFileSync(`${BASE}${file}`, 'utf8')).map(asMap);

function asMap(v: Yaml | undefined): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`expected a mapping, got ${JSON.stringify(v)}`);
  return v;
}
function asList(v: Yaml | undefined): Yaml[] {
  if (!Array.isArray(v)) throw new Error(`expected a list, got ${JSON.stringify(v)}`);
  return v;
}
function asString(v: Yaml | undefined): string {
  if (typeof v !== 'string') throw new Error(`expected a scalar, got ${JSON.stringify(v)}`);
  return v;
}
const strings = (v: Yaml | undefined): string[] => asList(v).map(asString);

/** Follows a dotted path ("spec.template.spec"); a number segment indexes a list. */
function at(root: Yaml, path: string): Yaml {
  let v: Yaml | undefined = root;
  for (const seg of path.split('.')) {
    v = /^\d+$/.test(seg) ? asList(v)[Number(seg)] : asMap(v)[seg];
    if (v === undefined) throw new Error(`missing ${path} (at ${seg})`);
  }
  return v;
}

function only(docs: Obj[], kind: string): Obj {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
}

function container(ds: Obj): Obj {
  const containers = asList(at(ds, 'spec.template.spec.containers'));
  expect(containers).toHaveLength(1);
  return asMap(containers[0]);
}

const portOf = (addr: string): number => Number(addr.slice(addr.lastIndexOf(':') + 1));

const linuxDs = only(docsOf('daemonset-linux.yaml'), 'DaemonSet');
const windowsDs = only(docsOf('daemonset-windows.yaml'), 'DaemonSet');
const linuxArgs = strings(container(linuxDs).args);
const windowsArgs = strings(container(windowsDs).args);
const linuxFlags = () => parseDaemonFlags(linuxArgs, { platform: 'linux', env: { NODE_NAME: 'n' } });
const windowsFlags = () => parseDaemonFlags(windowsArgs, { platform: 'windows', env: { NODE_NAME: 'n' } });

describe('deploy/base kustomization', () => {
  const kustomization = asMap(parseYamlDocuments(readFileSync(`${BASE}kustomization.yaml`, 'utf8'))[0]);
  const resources = strings(kustomization.resources);

  it('lists only resource files that exist in deploy/base', () => {
    const present = new Set(readdirSync(BASE));
    expect(resources.length).toBeGreaterThan(0);
    for (const file of resources) expect(present.has(file), `${file} is listed but missing`).toBe(true);
  });

  it('lists every YAML file in deploy/base under resources', () => {
    const yamlFiles = readdirSync(BASE)
      .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
      .sort();
    expect([...resources].sort()).toEqual(yamlFiles);
  });

  it('holds no Namespace and no object named as the kruise chart names its own, so `kubectl delete -k` removes only kruised', () => {
    const chartNames = ['kruise-daemon', 'kruise-daemon-role', 'kruise-daemon-rolebinding', 'kruise-daemon-secret-role', 'kruise-daemon-secret-rolebinding'];
    for (const file of resources) {
      for (const doc of docsOf(file)) {
        expect(doc.kind, file).not.toBe('Namespace');
        expect(chartNames).not.toContain(asString(at(doc, 'metadata.name')));
      }
    }
  });

  it('sets no kustomization-wide namespace, so every namespaced object must name its own', () => {
    expect(kustomization).not.toHaveProperty('namespace');
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const file of resources) {
      for (const doc of docsOf(file)) {
        if (clusterScoped.has(asString(doc.kind))) continue;
        expect(at(doc, 'metadata.namespace'), `${asString(doc.kind)} ${asString(at(doc, 'metadata.name'))} in ${file}`).toMatch(/^kruise-/);
      }
    }
  });
});

describe('the Linux DaemonSet', () => {
  const c = container(linuxDs);
  const pod = asMap(at(linuxDs, 'spec.template.spec'));

  it('passes container args that the Linux flag parser accepts, meaning addr :10221, ImagePullJobGate on and pprof on localhost:10222', () => {
    const flags = linuxFlags();
    expect(flags.addr).toBe(':10221');
    expect(flags.featureGates.enabled('ImagePullJobGate')).toBe(true);
    expect(flags.enablePprof).toBe(true);
    expect(flags.pprofAddr).toBe('localhost:10222');
    expect(flags.socketFile).toBe('');
    expect(flags.positionals).toEqual([]);
  });

  it('keeps the upstream Helm chart argument list in the chart order', () => {
    expect(linuxArgs).toEqual([
      '--logtostderr=true',
      '--v=4',
      '--addr=:10221',
      '--feature-gates=ImagePullJobGate=true',
      '--socket-file=',
      '--enable-pprof=true',
      '--pprof-addr=localhost:10222',
    ]);
  });

  it('probes liveness with GET /healthz on the port of the default --addr, with the upstream timings', () => {
    const probe = asMap(c.livenessProbe);
    expect(at(probe, 'httpGet.path')).toBe('/healthz');
    expect(at(probe, 'httpGet.port')).toBe(portOf(linuxFlags().addr));
    expect(at(probe, 'httpGet.port')).toBe(portOf(parseDaemonFlags([], { platform: 'linux', env: {} }).addr));
    const { httpGet: _httpGet, ...timings } = probe;
    expect(timings).toEqual({ initialDelaySeconds: 60, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 });
    expect(c).not.toHaveProperty('readinessProbe');
  });

  it('mounts /var/run read-only at /hostvarrun and a DirectoryOrCreate hostPath at the data directory the flags resolve to', () => {
    const mounts = asList(c.volumeMounts).map(asMap);
    const volumes = asList(pod.volumes).map(asMap);
    const volumeAt = (mountPath: string): { mount: Obj; volume: Obj } => {
      const mount = mounts.find((m) => m.mountPath === mountPath);
      if (!mount) throw new Error(`nothing mounted at ${mountPath}`);
      const volume = volumes.find((v) => v.name === mount.name);
      if (!volume) throw new Error(`no volume ${asString(mount.name)}`);
      return { mount, volume };
    };
    const socket = volumeAt('/hostvarrun');
    expect(socket.mount.readOnly).toBe(true);
    expect(at(socket.volume, 'hostPath.path')).toBe('/var/run');

    const dataDir = linuxFlags().dataDir;
    expect(dataDir).toBe('/var/lib/kruised');
    const data = volumeAt(dataDir);
    expect(data.mount).not.toHaveProperty('readOnly');
    expect(at(data.volume, 'hostPath.path')).toBe('/var/lib/kruised');
    expect(at(data.volume, 'hostPath.type')).toBe('DirectoryOrCreate');
  });

  it('runs on Linux nodes only, on the host network, with the upstream scheduling and update strategy', () => {
    expect(at(linuxDs, 'metadata.name')).toBe('kruised');
    expect(at(linuxDs, 'metadata.namespace')).toBe('kruise-system');
    expect(at(linuxDs, 'metadata.labels')).toEqual({ 'app.kubernetes.io/name': 'kruised' });
    expect(at(pod, 'nodeSelector')).toEqual({ 'kubernetes.io/os': 'linux', 'kruised.io/node-agent': 'kruised' });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.terminationGracePeriodSeconds).toBe(10);
    expect(pod.serviceAccountName).toBe('kruised');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(at(pod, 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms')).toEqual([
      { matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['virtual-kubelet'] }] },
    ]);
    expect(at(linuxDs, 'spec.minReadySeconds')).toBe(3);
    expect(at(linuxDs, 'spec.updateStrategy.type')).toBe('RollingUpdate');
    expect(at(linuxDs, 'spec.updateStrategy.rollingUpdate.maxUnavailable')).toBe('10%');
  });

  it('drops every capability but NET_BIND_SERVICE, forbids privilege escalation and is not privileged', () => {
    const sc = asMap(c.securityContext);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc).not.toHaveProperty('privileged');
    expect(strings(at(sc, 'capabilities.drop')).map((s) => s.toUpperCase())).toEqual(['ALL']);
    expect(strings(at(sc, 'capabilities.add'))).toEqual(['NET_BIND_SERVICE']);
  });

  it('sets NODE_NAME from spec.nodeName and limits resources to 50m CPU and 128Mi memory', () => {
    const env = asList(c.env).map(asMap);
    expect(env).toEqual([{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }]);
    expect(c.resources).toEqual({ requests: { cpu: '0', memory: '0' }, limits: { cpu: '50m', memory: '128Mi' } });
  });

  it('runs the entrypoint of deploy/Dockerfile with the run subcommand, on the package entry script', () => {
    const dockerfile = readFileSync(`${DEPLOY}Dockerfile`, 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd).toEqual(['run']);
    expect(strings(c.command)).toEqual([...entrypoint, ...cmd]);
    expect(strings(c.command)[1]).toBe(`/kruised/${PACKAGE.bin.kruised}`);
    expect(dockerfile).toMatch(/^COPY --from=build \/out\/kruised\/ \/kruised\/$/m);
    expect(dockerfile).toMatch(/^RUN .*node scripts\/build\.mjs app \/out\/kruised$/m);
    expect(dockerfile).toMatch(/^WORKDIR \/kruised$/m);
  });
});

describe('the Windows DaemonSet', () => {
  const c = container(windowsDs);
  const pod = asMap(at(windowsDs, 'spec.template.spec'));
  const MOUNT = '%CONTAINER_SANDBOX_MOUNT_POINT%';

  it('passes container args that the Windows flag parser accepts and that contain no --socket-file', () => {
    const flags = windowsFlags();
    expect(flags.addr).toBe(':10221');
    expect(flags.featureGates.enabled('ImagePullJobGate')).toBe(true);
    expect(flags.pprofAddr).toBe('localhost:10222');
    expect(flags.positionals).toEqual([]);
    expect(windowsArgs.filter((a) => /^--?socket-file\b/.test(a))).toEqual([]);
  });

  it('is a HostProcess pod running as NT AUTHORITY\\SYSTEM on the host network, on Windows nodes only', () => {
    expect(at(pod, 'securityContext.windowsOptions.hostProcess')).toBe(true);
    expect(at(pod, 'securityContext.windowsOptions.runAsUserName')).toBe('NT AUTHORITY\\SYSTEM');
    expect(pod.hostNetwork).toBe(true);
    expect(at(pod, 'nodeSelector')).toEqual({ 'kubernetes.io/os': 'windows', 'kruised.io/node-agent': 'kruised' });
    expect(pod.serviceAccountName).toBe('kruised');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod).not.toHaveProperty('volumes'); // HostProcess cannot mount pipes; it sees the host directly
  });

  it('keeps the event log in C:\\ProgramData\\kruised on the host', () => {
    expect(windowsArgs).toContain('--data-dir=C:\\ProgramData\\kruised');
    expect(windowsFlags().dataDir).toBe('C:\\ProgramData\\kruised');
  });

  it('runs node.exe and the package entry script from the sandbox mount point, with the run subcommand', () => {
    const command = strings(c.command);
    expect(command).toEqual([`${MOUNT}\\kruised\\node.exe`, `${MOUNT}\\kruised\\${PACKAGE.bin.kruised.replaceAll('/', '\\')}`, 'run']);
    const dockerfile = readFileSync(`${DEPLOY}Dockerfile.windows`, 'utf8');
    expect(dockerfile).toMatch(/^FROM --platform=windows\/amd64 \$\{BASE_IMAGE\}:\$\{BASE_IMAGE_VERSION\}$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=mcr\.microsoft\.com\/oss\/kubernetes\/windows-host-process-containers-base-image$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/out\/kruised\/ \/kruised\/$/m);
    expect(dockerfile).toMatch(/^RUN .*node scripts\/build\.mjs app \/out\/kruised --windows$/m);
  });

  it('probes liveness with GET /healthz on the port of --addr and limits resources to 50m CPU and 128Mi memory', () => {
    expect(at(c, 'livenessProbe.httpGet.path')).toBe('/healthz');
    expect(at(c, 'livenessProbe.httpGet.port')).toBe(portOf(windowsFlags().addr));
    expect(at(c, 'livenessProbe.initialDelaySeconds')).toBe(60);
    expect(c.resources).toEqual({ requests: { cpu: '0', memory: '0' }, limits: { cpu: '50m', memory: '128Mi' } });
    expect(asList(c.env).map(asMap)).toEqual([{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }]);
  });
});

describe('both DaemonSets', () => {
  it('have different names, and each selector matches its own pod template labels', () => {
    expect(at(windowsDs, 'metadata.name')).not.toBe(at(linuxDs, 'metadata.name'));
    for (const ds of [linuxDs, windowsDs]) {
      const labels = asMap(at(ds, 'spec.template.metadata.labels'));
      expect(labels).toMatchObject(asMap(at(ds, 'spec.selector.matchLabels')));
      expect(labels['app.kubernetes.io/name']).toBe(asString(at(ds, 'metadata.name')));
    }
  });
});

describe('RBAC', () => {
  const rbac = docsOf('rbac.yaml');
  const triples = (role: Obj): string[] =>
    asList(role.rules)
      .map(asMap)
      .flatMap((rule) => {
        expect(Object.keys(rule).sort(), 'rules use only apiGroups, resources and verbs').toEqual(['apiGroups', 'resources', 'verbs']);
        return strings(rule.apiGroups).flatMap((g) => strings(rule.resources).flatMap((r) => strings(rule.verbs).map((v) => `${g}|${r}|${v}`)));
      });

  // Contract §1.2, ClusterRole kruise-daemon-role as the Helm chart has it.
  const CONTRACT_TABLE: ReadonlyArray<readonly [group: string, resource: string, verbs: string]> = [
    ['apps.kruise.io', 'nodeimages', 'get list patch update watch'],
    ['apps.kruise.io', 'nodeimages/status', 'get patch update'],
    ['', 'events', 'create update patch'],
    ['apps.kruise.io', 'containerrecreaterequests', 'get list watch'],
    ['apps.kruise.io', 'containerrecreaterequests/status', 'get patch update'],
    ['', 'pods', 'get list patch update watch'],
    ['', 'pods/status', 'get patch update'],
    ['apps.kruise.io', 'nodepodprobes', 'get list watch'],
    ['apps.kruise.io', 'nodepodprobes/status', 'get patch update'],
  ];

  it('grants the ClusterRole exactly the resource and verb table of contract §1.2', () => {
    const role = only(rbac, 'ClusterRole');
    expect(at(role, 'metadata.name')).toBe('kruised');
    const expected = CONTRACT_TABLE.flatMap(([g, r, verbs]) => verbs.split(' ').map((v) => `${g}|${r}|${v}`));
    const granted = triples(role);
    expect(new Set(granted).size, 'no triple is granted twice').toBe(granted.length);
    expect(granted.sort()).toEqual(expected.sort());
  });

  it('grants nothing cluster-wide on nodes, configmaps or secrets, and no wildcards', () => {
    for (const triple of triples(only(rbac, 'ClusterRole'))) {
      const [group, resource, verb] = triple.split('|') as [string, string, string];
      expect(['nodes', 'configmaps', 'secrets']).not.toContain(resource.split('/')[0]);
      expect([group, resource, verb]).not.toContain('*');
    }
  });

  it('allows reading secrets only, and only in namespace kruise-daemon-config', () => {
    const role = only(rbac, 'Role');
    expect(at(role, 'metadata.name')).toBe('kruised-secrets');
    expect(at(role, 'metadata.namespace')).toBe('kruise-daemon-config');
    expect(triples(role).sort()).toEqual(['|secrets|get', '|secrets|list', '|secrets|watch']);
  });

  it('binds both roles to the kruised service account in kruise-system, the account both DaemonSets run as', () => {
    const subject = [{ kind: 'ServiceAccount', name: 'kruised', namespace: 'kruise-system' }];
    const crb = only(rbac, 'ClusterRoleBinding');
    expect(crb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kruised' });
    expect(crb.subjects).toEqual(subject);
    const rb = only(rbac, 'RoleBinding');
    expect(at(rb, 'metadata.namespace')).toBe('kruise-daemon-config');
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kruised-secrets' });
    expect(rb.subjects).toEqual(subject);
    const sa = only(docsOf('serviceaccount.yaml'), 'ServiceAccount');
    expect(asMap(sa.metadata)).toEqual({ name: 'kruised', namespace: 'kruise-system' });
  });
});
