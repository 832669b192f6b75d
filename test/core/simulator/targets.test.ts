import { SERVING_PROFILES } from '../../../lib/core/simulator/profiles/catalogue';
import { deriveSaturationTargets } from '../../../lib/core/simulator/profiles/targets';
import { steadyState } from '../../../lib/core/simulator/bounds';

const conversation = { promptTokens: 1155, outputTokens: 211 };
const slo = { ttftP95Seconds: 2, tpotP95Seconds: 0.2 };
const a10g = SERVING_PROFILES['qwen2.5-7b/a10g'];

describe('deriveSaturationTargets', () => {
  test('every shipped profile: at the capacity it reports, the steady batch keeps the limits it was derived under', () => {
    for (const p of Object.values(SERVING_PROFILES)) {
      const t = deriveSaturationTargets(p, conversation, slo);
      const s = steadyState(p, t.capacityRequestsPerSecond, conversation.promptTokens, conversation.outputTokens);
      expect(s.stable).toBe(true);
      expect(s.interTokenSeconds).toBeLessThanOrEqual(slo.tpotP95Seconds * (1 + 1e-6));
      expect(s.batch).toBeLessThanOrEqual(p.maxSequences * (1 + 1e-6));
      expect(s.batch * (conversation.promptTokens + conversation.outputTokens / 2)).toBeLessThanOrEqual(p.kvCacheTokens * (1 + 1e-6));
      // A little more load would break one of them: the capacity is the highest rate, not any rate.
      const beyond = steadyState(p, t.capacityRequestsPerSecond * 1.02, conversation.promptTokens, conversation.outputTokens);
      const breaks = !beyond.stable || beyond.interTokenSeconds > slo.tpotP95Seconds || beyond.batch > p.maxSequences
        || beyond.batch * (conversation.promptTokens + conversation.outputTokens / 2) > p.kvCacheTokens;
      expect(breaks).toBe(true);
      expect(t.kvCacheUsage).toBeGreaterThan(0);
      expect(t.kvCacheUsage).toBeLessThanOrEqual(0.8);
      expect(Number.isInteger(t.waitingPerPod) && t.waitingPerPod >= 1).toBe(true);
      expect(t.ttftP95Seconds).toBe(1);
    }
  });

  test('a KV-bound profile (the default A10G) targets the headroom share of a full cache', () => {
    const t = deriveSaturationTargets(a10g, conversation, slo);
    expect(t.kvCacheUsage).toBeCloseTo(0.8, 2);
    expect(deriveSaturationTargets(a10g, conversation, slo, { batchHeadroom: 0.6 }).kvCacheUsage).toBeCloseTo(0.6, 2);
  });

  test('a profile bound by time per token holds a KV-cache share it never fills', () => {
    const p = SERVING_PROFILES['llama-3.1-70b-fp8/4xh100'];
    const loose = deriveSaturationTargets(p, conversation, { ttftP95Seconds: 2 });
    const tight = deriveSaturationTargets(p, conversation, { ttftP95Seconds: 2, tpotP95Seconds: 0.05 });
    expect(tight.capacityRequestsPerSecond).toBeLessThan(loose.capacityRequestsPerSecond);
    expect(tight.kvCacheUsage).toBeLessThan(loose.kvCacheUsage);
  });

  test('a looser TTFT SLO or a faster GPU allows a longer queue per pod', () => {
    const h100 = SERVING_PROFILES['llama-3.1-8b-fp8/h100'];
    expect(deriveSaturationTargets(a10g, conversation, { ...slo, ttftP95Seconds: 10 }).waitingPerPod)
      .toBeGreaterThan(deriveSaturationTargets(a10g, conversation, slo).waitingPerPod);
    expect(deriveSaturationTargets(h100, conversation, slo).waitingPerPod)
      .toBeGreaterThan(deriveSaturationTargets(a10g, conversation, slo).waitingPerPod);
  });

  test('the TTFT guard holds its share of the SLO', () => {
    expect(deriveSaturationTargets(a10g, conversation, { ttftP95Seconds: 3 }, { ttftGuardShare: 0.8 }).ttftP95Seconds).toBeCloseTo(2.4, 6);
    expect(() => deriveSaturationTargets(a10g, conversation, slo, { ttftGuardShare: 0 })).toThrow(/^options\.ttftGuardShare must be in \(0, 1\]; got 0$/);
  });

  test('inputs that leave no target are errors naming the field', () => {
    expect(() => deriveSaturationTargets(a10g, { promptTokens: 0, outputTokens: 211 }, slo)).toThrow(/^workload\.promptTokens must be a positive number; got 0$/);
    expect(() => deriveSaturationTargets(a10g, conversation, { ttftP95Seconds: 0.1 })).toThrow(/^slo\.ttftP95Seconds \(0\.1 s\) is not above the prefill of a mean prompt on qwen2\.5-7b\/a10g/);
    expect(() => deriveSaturationTargets(a10g, conversation, { ttftP95Seconds: 2, tpotP95Seconds: 0.001 })).toThrow(/^slo\.tpotP95Seconds \(0\.001 s\) is below what qwen2\.5-7b\/a10g decodes at any load/);
    expect(() => deriveSaturationTargets(a10g, conversation, slo, { batchHeadroom: 1.5 })).toThrow(/^options\.batchHeadroom must be in \(0, 1\]; got 1\.5$/);
  });
});
