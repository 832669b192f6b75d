import { histogramQuantile, promRate } from '../../../lib/core/simulator';
import { ScrapeClock, scrapeWindow } from '../../../lib/core/simulator/scrapes';

describe('Prometheus arithmetic', () => {
  test('rate() extrapolates to the range edges when the samples come close to them', () => {
    // A counter rising 1/s sampled every 15 s at 7, 22, 37, 52 inside (0, 60]: 45 s sampled, 7 s
    // to the start and 8 s to the end are both under 1.1 intervals, so the rate is exact.
    expect(promRate(7, 52, 7, 52, 4, 0, 60, 60)).toBeCloseTo(1, 9);
  });

  test('rate() extrapolates at most to the counter\'s zero', () => {
    // First sample 3 at t=7 with slope 1: the counter was 0 at t=4, after the range start.
    expect(promRate(3, 48, 7, 52, 4, 0, 60, 60)).toBeCloseTo((45 * (45 + 3 + 8)) / 45 / 60, 9);
  });

  test('histogram_quantile interpolates inside the bucket holding the rank', () => {
    const buckets = [1, 2, 4];
    // Scrape 0: nothing; scrape 1: 10 in (0,1], 10 in (1,2], none above.
    const at = [0, 0, 0, 0, 10, 20, 20, 20];
    expect(histogramQuantile(0.5, buckets, at, 0, 1)).toBe(1);
    expect(histogramQuantile(0.75, buckets, at, 0, 1)).toBeCloseTo(1.5, 9);
    expect(histogramQuantile(0.5, buckets, at, 1, 1)).toBeNaN();
  });

  test('a scrape window needs two samples after the first scrape a series has', () => {
    const clock = new ScrapeClock(15, 7, 3600);
    const w = scrapeWindow();
    expect(clock.window(60, 60, clock.lastAt(60, 100), 0, w)).toBe(true);
    expect([w.first, w.last, w.samples]).toEqual([0, 3, 4]);
    expect(clock.window(60, 60, clock.lastAt(60, 100), 3, w)).toBe(false);
  });
});
