// Kruise feature gates, as kruise-daemon's `--feature-gates` flag understands them.
// Names, defaults and stages follow upstream openkruise/kruise pkg/features/kruise_features.go
// (2026 master, kruise v1.9 era); parsing follows k8s component-base featuregate semantics, and
// the dependency rules follow upstream's SetDefaultFeatureGates, which kruise-daemon runs right
// after flag parsing.

import { FlagError, parseGoBool } from './flag-parse.js';

export type Stage = 'Alpha' | 'Beta' | 'GA';

export interface GateSpec {
  readonly default: boolean;
  readonly stage: Stage;
}

// Keys are the strings accepted on the command line (which are not always the Go constant
// names: e.g. the Go constant EnhancedLivenessProbeGate is spelled "EnhancedLivenessProbe").
const KRUISE_GATES = {
  PodWebhook: { default: true, stage: 'Beta' },
  KruiseDaemon: { default: true, stage: 'Beta' },
  DaemonWatchingPod: { default: true, stage: 'Beta' },
  CloneSetShortHash: { default: false, stage: 'Alpha' },
  KruisePodReadinessGate: { default: false, stage: 'Alpha' },
  PreDownloadImageForInPlaceUpdate: { default: false, stage: 'Alpha' },
  CloneSetPartitionRollback: { default: false, stage: 'Alpha' },
  ResourcesDeletionProtection: { default: true, stage: 'Beta' },
  WorkloadSpread: { default: true, stage: 'Beta' },
  PodUnavailableBudgetDeleteGate: { default: true, stage: 'Beta' },
  PodUnavailableBudgetUpdateGate: { default: false, stage: 'Alpha' },
  TemplateNoDefaults: { default: false, stage: 'Alpha' },
  InPlaceUpdateEnvFromMetadata: { default: true, stage: 'Beta' },
  StatefulSetAutoDeletePVC: { default: true, stage: 'Beta' },
  SidecarSetPatchPodMetadataDefaultsAllowed: { default: false, stage: 'Alpha' },
  SidecarTerminator: { default: false, stage: 'Alpha' },
  PodProbeMarkerGate: { default: true, stage: 'Beta' },
  PreDownloadImageForDaemonSetUpdate: { default: false, stage: 'Alpha' },
  CloneSetEventHandlerOptimization: { default: false, stage: 'Alpha' },
  PreparingUpdateAsUpdate: { default: false, stage: 'Alpha' },
  ImagePullJobGate: { default: false, stage: 'Alpha' },
  ResourceDistributionGate: { default: false, stage: 'Alpha' },
  DeletionProtectionForCRDCascadingGate: { default: false, stage: 'Alpha' },
  EnhancedLivenessProbe: { default: false, stage: 'Alpha' },
  RecreatePodWhenChangeVCTInCloneSetGate: { default: false, stage: 'Alpha' },
  StatefulSetStartOrdinal: { default: false, stage: 'Alpha' },
  PodIndexLabel: { default: true, stage: 'Beta' },
  EnableExternalCerts: { default: false, stage: 'Alpha' },
  StatefulSetAutoResizePVCGate: { default: false, stage: 'Alpha' },
  ForceDeleteTimeoutExpectationGate: { default: false, stage: 'Alpha' },
  InPlaceWorkloadVerticalScaling: { default: false, stage: 'Alpha' },
  EnablePodProbeMarkerOnServerless: { default: false, stage: 'Alpha' },
} as const satisfies Record<string, GateSpec>;

export type KruiseGateName = keyof typeof KRUISE_GATES;
/** Every accepted gate: Kruise's own plus component-base's AllAlpha / AllBeta. */
export type GateName = KruiseGateName | 'AllAlpha' | 'AllBeta';

export const FEATURE_GATE_SPECS: Readonly<Record<GateName, GateSpec>> = {
  ...KRUISE_GATES,
  // Setting these sets every Alpha (resp. Beta) gate that was not given explicitly.
  AllAlpha: { default: false, stage: 'Alpha' },
  AllBeta: { default: false, stage: 'Beta' },
};

export const KRUISE_GATE_NAMES = Object.keys(KRUISE_GATES) as readonly KruiseGateName[];
export const GATE_NAMES = Object.keys(FEATURE_GATE_SPECS) as readonly GateName[];

export interface FeatureGates {
  enabled(name: GateName): boolean;
  /** Exactly what the user wrote (after parsing), before AllAlpha/AllBeta and dependency rules. */
  readonly explicit: ReadonlyMap<string, boolean>;
  all(): Record<GateName, boolean>;
}

function isGateName(name: string): name is GateName {
  return Object.hasOwn(FEATURE_GATE_SPECS, name);
}

/** Parses `Name=bool,Name2=bool`; throws FlagError on a malformed entry or an unknown gate. */
export function parseFeatureGates(spec: string): FeatureGates {
  const explicit = new Map<string, boolean>();
  // component-base parses every entry first, then validates names (so value errors win).
  for (const entry of spec.split(',')) {
    if (entry.length === 0) continue;
    const eq = entry.indexOf('=');
    const key = (eq === -1 ? entry : entry.slice(0, eq)).trim();
    if (eq === -1) throw new FlagError(`missing bool value for ${key}`);
    const raw = entry.slice(eq + 1).trim();
    const value = parseGoBool(raw);
    if (value === undefined) {
      throw new FlagError(
        `invalid value of ${key}=${raw}, err: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax` +
          ' (want one of 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)',
      );
    }
    explicit.set(key, value); // a repeated gate: the last one wins
  }
  for (const key of explicit.keys()) {
    if (!isGateName(key)) throw new FlagError(`unrecognized feature gate: ${key}`);
  }

  const state = {} as Record<GateName, boolean>;
  for (const name of GATE_NAMES) state[name] = FEATURE_GATE_SPECS[name].default;
  for (const bulk of ['AllAlpha', 'AllBeta'] as const) {
    const v = explicit.get(bulk);
    if (v === undefined) continue;
    const stage = bulk === 'AllAlpha' ? 'Alpha' : 'Beta';
    for (const name of KRUISE_GATE_NAMES) {
      if (KRUISE_GATES[name].stage === stage && !explicit.has(name)) state[name] = v;
    }
  }
  for (const [key, v] of explicit) state[key as GateName] = v; // explicit entries always win
  applyDependencies(state);

  const frozen = Object.freeze({ ...state });
  return {
    enabled: (name) => frozen[name],
    explicit,
    all: () => ({ ...frozen }),
  };
}

// Upstream's SetDefaultFeatureGates, in upstream's order: these override explicit settings.
function applyDependencies(g: Record<GateName, boolean>): void {
  const off = (names: readonly KruiseGateName[]): void => {
    for (const n of names) g[n] = false;
  };
  if (!g.PodWebhook) {
    off([
      'KruisePodReadinessGate',
      'PodUnavailableBudgetDeleteGate',
      'PodUnavailableBudgetUpdateGate',
      'WorkloadSpread',
      'SidecarSetPatchPodMetadataDefaultsAllowed',
      'EnhancedLivenessProbe',
      'EnablePodProbeMarkerOnServerless',
    ]);
  }
  if (!g.KruiseDaemon) {
    off([
      'PreDownloadImageForInPlaceUpdate',
      'DaemonWatchingPod',
      'InPlaceUpdateEnvFromMetadata',
      'PreDownloadImageForDaemonSetUpdate',
      'PodProbeMarkerGate',
      'SidecarTerminator',
      'ImagePullJobGate',
      'EnhancedLivenessProbe',
    ]);
  }
  if (g.PreDownloadImageForInPlaceUpdate || g.PreDownloadImageForDaemonSetUpdate) g.ImagePullJobGate = true;
  if (!g.ResourcesDeletionProtection) g.DeletionProtectionForCRDCascadingGate = false;
}
