import { describe, expect, it } from 'vitest';
import { FEATURE_GATE_SPECS, GATE_NAMES, KRUISE_GATE_NAMES, parseFeatureGates, type GateName } from '../../daemon/feature-gates.js';
import { FlagError } from '../../daemon/flag-parse.js';
import { errorOf } from '../support/errors.js';

const DAEMON_DEPENDENT: readonly GateName[] = [
  'DaemonWatchingPod',
  'InPlaceUpdateEnvFromMetadata',
  'PodProbeMarkerGate',
  'SidecarTerminator',
  'ImagePullJobGate',
  'PreDownloadImageForInPlaceUpdate',
  'PreDownloadImageForDaemonSetUpdate',
  'EnhancedLivenessProbe',
];

describe('feature gate table', () => {
  it('lists the 32 upstream Kruise gates plus AllAlpha and AllBeta', () => {
    expect(KRUISE_GATE_NAMES).toHaveLength(32);
    expect(GATE_NAMES).toHaveLength(34);
    expect(GATE_NAMES).toContain('AllAlpha');
    expect(GATE_NAMES).toContain('AllBeta');
  });

  it('uses the command-line spellings upstream registers, not the Go constant names', () => {
    expect(GATE_NAMES).toContain('EnhancedLivenessProbe');
    expect(GATE_NAMES).not.toContain('EnhancedLivenessProbeGate');
    expect(GATE_NAMES).toContain('ForceDeleteTimeoutExpectationGate');
  });

  it('records upstream defaults and stages for a sample of gates', () => {
    expect(FEATURE_GATE_SPECS.KruiseDaemon).toEqual({ default: true, stage: 'Beta' });
    expect(FEATURE_GATE_SPECS.ImagePullJobGate).toEqual({ default: false, stage: 'Alpha' });
    expect(FEATURE_GATE_SPECS.PodIndexLabel).toEqual({ default: true, stage: 'Beta' });
    expect(FEATURE_GATE_SPECS.PodProbeMarkerGate).toEqual({ default: true, stage: 'Beta' });
    expect(FEATURE_GATE_SPECS.EnablePodProbeMarkerOnServerless).toEqual({ default: false, stage: 'Alpha' });
  });
});

describe('parseFeatureGates', () => {
  it('returns every default and no explicit entries for an empty spec', () => {
    const g = parseFeatureGates('');
    expect(g.explicit.size).toBe(0);
    for (const name of GATE_NAMES) expect(g.enabled(name)).toBe(FEATURE_GATE_SPECS[name].default);
    expect(Object.keys(g.all())).toHaveLength(34);
  });

  it('tolerates whitespace around names and values and skips empty entries', () => {
    const g = parseFeatureGates(' ImagePullJobGate = true ,, SidecarTerminator=T,');
    expect(g.enabled('ImagePullJobGate')).toBe(true);
    expect(g.enabled('SidecarTerminator')).toBe(true);
    expect([...g.explicit]).toEqual([
      ['ImagePullJobGate', true],
      ['SidecarTerminator', true],
    ]);
  });

  it('accepts exactly the spellings of Go strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      expect(parseFeatureGates(`SidecarTerminator=${t}`).enabled('SidecarTerminator')).toBe(true);
    }
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
      expect(parseFeatureGates(`KruiseDaemon=${f}`).enabled('KruiseDaemon')).toBe(false);
    }
    for (const bad of ['yes', 'on', 'tRUE', '']) {
      expect(() => parseFeatureGates(`SidecarTerminator=${bad}`)).toThrow(FlagError);
    }
  });

  it('names the gate and the bad value when a value is not a boolean', () => {
    const err = errorOf(() => parseFeatureGates('ImagePullJobGate=yes'));
    expect(err).toBeInstanceOf(FlagError);
    expect(err.name).toBe('FlagError');
    expect(err.message).toContain('invalid value of ImagePullJobGate=yes');
  });

  it('rejects an entry without a value', () => {
    expect(errorOf(() => parseFeatureGates('ImagePullJobGate')).message).toBe('missing bool value for ImagePullJobGate');
  });

  it('rejects unknown gate names case-sensitively with the component-base message', () => {
    expect(errorOf(() => parseFeatureGates('Foo=true')).message).toBe('unrecognized feature gate: Foo');
    expect(errorOf(() => parseFeatureGates('imagepulljobgate=true')).message).toBe('unrecognized feature gate: imagepulljobgate');
  });

  it('lets the last occurrence of a repeated gate win', () => {
    expect(parseFeatureGates('SidecarTerminator=true,SidecarTerminator=false').enabled('SidecarTerminator')).toBe(false);
  });

  it('forces every daemon-dependent gate off when KruiseDaemon is false, even if set explicitly', () => {
    const spec = ['KruiseDaemon=false', ...DAEMON_DEPENDENT.map((n) => `${n}=true`)].join(',');
    const g = parseFeatureGates(spec);
    for (const n of DAEMON_DEPENDENT) expect(g.enabled(n)).toBe(false);
    expect(g.explicit.get('ImagePullJobGate')).toBe(true);
    expect(g.enabled('PodWebhook')).toBe(true);
    expect(g.enabled('WorkloadSpread')).toBe(true);
  });

  it('turns ImagePullJobGate on when either image pre-download gate is on', () => {
    expect(parseFeatureGates('PreDownloadImageForInPlaceUpdate=true').enabled('ImagePullJobGate')).toBe(true);
    const g = parseFeatureGates('PreDownloadImageForDaemonSetUpdate=true,ImagePullJobGate=false');
    expect(g.enabled('ImagePullJobGate')).toBe(true);
  });

  it('applies the PodWebhook and ResourcesDeletionProtection dependency rules', () => {
    const g = parseFeatureGates('PodWebhook=false,WorkloadSpread=true,EnhancedLivenessProbe=true');
    expect(g.enabled('WorkloadSpread')).toBe(false);
    expect(g.enabled('PodUnavailableBudgetDeleteGate')).toBe(false);
    expect(g.enabled('EnhancedLivenessProbe')).toBe(false);
    const r = parseFeatureGates('ResourcesDeletionProtection=false,DeletionProtectionForCRDCascadingGate=true');
    expect(r.enabled('DeletionProtectionForCRDCascadingGate')).toBe(false);
  });

  it('sets every unset Alpha gate with AllAlpha while explicit gates and Beta gates keep their values', () => {
    const g = parseFeatureGates('CloneSetShortHash=false,AllAlpha=true');
    expect(g.enabled('CloneSetShortHash')).toBe(false);
    expect(g.enabled('TemplateNoDefaults')).toBe(true);
    expect(g.enabled('EnablePodProbeMarkerOnServerless')).toBe(true);
    expect(g.enabled('AllAlpha')).toBe(true);
    expect(g.enabled('KruiseDaemon')).toBe(true);
  });

  it('turns Beta gates off with AllBeta=false except those given explicitly', () => {
    const g = parseFeatureGates('AllBeta=false,KruiseDaemon=true');
    expect(g.enabled('KruiseDaemon')).toBe(true);
    expect(g.enabled('DaemonWatchingPod')).toBe(false);
    expect(g.enabled('PodIndexLabel')).toBe(false);
    expect(g.enabled('SidecarTerminator')).toBe(false);
  });

  it('enables every gate for the kustomize spec AllAlpha=true,AllBeta=true', () => {
    const all = parseFeatureGates('AllAlpha=true,AllBeta=true').all();
    expect(Object.values(all).every(Boolean)).toBe(true);
  });

  it('hands out copies from all() so callers cannot change the parsed state', () => {
    const g = parseFeatureGates('');
    const snapshot = g.all();
    snapshot.KruiseDaemon = false;
    expect(g.enabled('KruiseDaemon')).toBe(true);
  });
});
