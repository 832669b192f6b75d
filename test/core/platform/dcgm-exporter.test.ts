import { DCGM_PROFILING_FIELDS, DEFAULT_DCGM_FIELDS, resolveDcgmExporter } from '../../../lib/core/platform/dcgm-exporter';

describe('resolveDcgmExporter', () => {
  test('the default list has no profiling field, so no SYS_ADMIN', () => {
    const { spec, problems } = resolveDcgmExporter();
    expect(problems).toEqual([]);
    expect(spec!.metrics.map((m) => m.name)).toEqual(DEFAULT_DCGM_FIELDS.map((f) => f.name));
    expect(DEFAULT_DCGM_FIELDS.some((f) => f.name.startsWith('DCGM_FI_PROF_'))).toBe(false);
    expect(spec!.profiling).toBe(false);
    expect(spec!.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  });

  test('a required profiling field is appended to the default list, once, and turns profiling on', () => {
    const { spec } = resolveDcgmExporter({ requiredFields: ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_PROF_GR_ENGINE_ACTIVE'] });
    expect(spec!.metrics.map((m) => m.name)).toEqual([...DEFAULT_DCGM_FIELDS.map((f) => f.name), 'DCGM_FI_PROF_GR_ENGINE_ACTIVE']);
    expect(spec!.profiling).toBe(true);
  });

  test('an explicit list is complete: required fields are not added to it', () => {
    const { spec } = resolveDcgmExporter({ metrics: DEFAULT_DCGM_FIELDS, requiredFields: ['DCGM_FI_PROF_SM_ACTIVE', 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL'] });
    expect(spec!.metrics).toHaveLength(DEFAULT_DCGM_FIELDS.length);
    expect(spec!.profiling).toBe(false);
  });

  test('every profiling field is a DCGM_FI_PROF_* gauge', () => {
    expect(DCGM_PROFILING_FIELDS.map((f) => [f.name.startsWith('DCGM_FI_PROF_'), f.type])).toEqual(DCGM_PROFILING_FIELDS.map(() => [true, 'gauge']));
  });

  test('a required field outside both lists', () => {
    expect(resolveDcgmExporter({ requiredFields: ['DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL'] }).problems).toEqual([
      { path: 'requiredFields[0]', message: 'is "DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", which is in neither DEFAULT_DCGM_FIELDS nor DCGM_PROFILING_FIELDS; give the complete list in metrics instead' },
    ]);
  });
});
