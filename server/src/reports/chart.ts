// The report's chart: answered and missed calls per bucket of the period as stacked bars, drawn into a PNG.
import { RgbImage } from './png.js';

export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 200;
export const ANSWERED_RGB = [37, 99, 235] as const;
export const MISSED_RGB = [220, 38, 38] as const;
const AXIS_RGB = [203, 213, 225] as const;
const PAD = 12;

export interface ChartBucket {
  answered: number;
  missed: number;
}

/** Stacked bars (answered below, missed above) scaled to the busiest bucket, on a baseline; an empty period is flat. */
export function drawCallsChart(buckets: readonly ChartBucket[]): Buffer {
  const image = new RgbImage(CHART_WIDTH, CHART_HEIGHT);
  const plotW = CHART_WIDTH - 2 * PAD;
  const plotH = CHART_HEIGHT - 2 * PAD;
  const baseline = CHART_HEIGHT - PAD;
  const max = Math.max(1, ...buckets.map((b) => b.answered + b.missed));
  const slot = buckets.length > 0 ? plotW / buckets.length : plotW;
  const barW = Math.max(1, slot * 0.7);
  buckets.forEach((b, i) => {
    const x = PAD + i * slot + (slot - barW) / 2;
    const answeredH = (b.answered / max) * plotH;
    const missedH = (b.missed / max) * plotH;
    image.fillRect(x, baseline - answeredH, barW, answeredH, ANSWERED_RGB);
    image.fillRect(x, baseline - answeredH - missedH, barW, missedH, MISSED_RGB);
  });
  image.fillRect(PAD, baseline, plotW, 1, AXIS_RGB);
  return image.toPng();
}
