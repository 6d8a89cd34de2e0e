import {
  CandlestickSeries,
  createChart,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useEffect, useRef } from 'react';
import { Decimal } from '../lib/decimal.js';
import { useStore } from './App.js';
import { store } from './store.js';

const colors = { up: '#26a69a', down: '#ef5350', text: '#9aa4b2', grid: '#1f2630' };

interface Candle {
  startMs: number;
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  closeTicks: number;
  volumeLots: number;
}

/** Closed bars from the feed, plus the still-open seconds built from the tape (bars close by log time). */
function withFormingBars(closed: ReadonlyArray<Candle>): Candle[] {
  const out: Candle[] = [...closed];
  const lastClosedEnd = (closed[closed.length - 1]?.startMs ?? Number.NEGATIVE_INFINITY) + 1000;
  const forming = new Map<number, Candle>();
  for (const t of [...store.tape].reverse()) {
    if (t.timeMs < lastClosedEnd) continue;
    const start = t.timeMs - (t.timeMs % 1000);
    const c = forming.get(start);
    if (c === undefined) {
      forming.set(start, {
        startMs: start,
        openTicks: t.priceTicks,
        highTicks: t.priceTicks,
        lowTicks: t.priceTicks,
        closeTicks: t.priceTicks,
        volumeLots: t.qtyLots,
      });
    } else {
      c.highTicks = Math.max(c.highTicks, t.priceTicks);
      c.lowTicks = Math.min(c.lowTicks, t.priceTicks);
      c.closeTicks = t.priceTicks;
      c.volumeLots += t.qtyLots;
    }
  }
  out.push(...[...forming.values()].sort((a, b) => a.startMs - b.startMs));
  return out;
}

/** 1 s candles with volume from the `bars` channel (lightweight-charts keeps its attribution logo). */
export function CandleChart() {
  const version = useStore();
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<{
    api: IChartApi;
    candles: ISeriesApi<'Candlestick'>;
    volume: ISeriesApi<'Histogram'>;
  }>(undefined);
  useEffect(() => {
    if (box.current === null) return;
    const api = createChart(box.current, {
      autoSize: true,
      layout: { background: { color: 'transparent' }, textColor: colors.text, attributionLogo: true },
      grid: { vertLines: { color: colors.grid }, horzLines: { color: colors.grid } },
      timeScale: { timeVisible: true, secondsVisible: true, barSpacing: 10, rightOffset: 4 },
    });
    const candles = api.addSeries(CandlestickSeries, {
      upColor: colors.up,
      downColor: colors.down,
      borderVisible: false,
      wickUpColor: colors.up,
      wickDownColor: colors.down,
    });
    const volume = api.addSeries(HistogramSeries, {
      priceScaleId: 'vol',
      priceFormat: { type: 'volume' },
      lastValueVisible: false,
      priceLineVisible: false,
      color: '#3b4a5e',
    });
    api.priceScale('vol').applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    chart.current = { api, candles, volume };
    return () => {
      api.remove();
      chart.current = undefined;
    };
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: redraw on every store change.
  useEffect(() => {
    const c = chart.current;
    const inst = store.instrument;
    if (c === undefined || inst === undefined) return;
    const bars = withFormingBars([...store.bars.values()].sort((a, b) => a.startMs - b.startMs));
    // Chart coordinates are plotting positions only; the exact prices are shown everywhere else.
    const px = (t: number) => new Decimal(t).times(inst.tickSize).toNumber();
    c.candles.setData(
      bars.map((b) => ({
        time: (b.startMs / 1000) as UTCTimestamp,
        open: px(b.openTicks),
        high: px(b.highTicks),
        low: px(b.lowTicks),
        close: px(b.closeTicks),
      })),
    );
    c.volume.setData(
      bars.map((b) => ({
        time: (b.startMs / 1000) as UTCTimestamp,
        value: new Decimal(b.volumeLots).times(inst.lotSize).toNumber(),
        color: b.closeTicks >= b.openTicks ? '#26a69a55' : '#ef535055',
      })),
    );
  }, [version]);
  return (
    <div className="chart">
      <h2>Candles (1 s)</h2>
      <div ref={box} className="chart-box" aria-label="Candles chart" role="img" />
    </div>
  );
}
