/** Human-readable and JSON lines for watch events. Text lines show record values made printable (JSON escapes them itself). */
import { printable } from '../util/printable.js';
import type { AlertEvent, GpuSample, WatchEvent } from './watch.js';

export type WatchFormat = 'text' | 'json';

function isoTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return Number.isNaN(d.getTime()) ? String(epochSeconds) : d.toISOString();
}

function where(e: { hostname: string | null; gpu: string; busId: string | null }): string {
  return `${e.hostname === null ? '?' : printable(e.hostname)} ${printable(e.gpu)}${e.busId && e.busId !== e.gpu ? ` (${printable(e.busId)})` : ''}`;
}

function prob(p: number): string {
  return Number.isNaN(p) ? 'p=n/a' : `p=${p.toFixed(3)}`;
}

/** The unmixed partner's probability, where the sample read as a job plus a partner. */
function partner(p: number | null | undefined, from?: string | null): string {
  // Events made by a caller of its own (or before the history existed) may lack the field.
  return typeof p === 'number' ? `  partner ${prob(p)}${from === 'window' ? ' (pair window)' : ''}` : '';
}

/** The share of SM time the held mining profile takes, where the alert hold counted the sample as mining. */
function held(share: number | null | undefined): string {
  return typeof share === 'number' ? `  held ${share.toFixed(2)}` : '';
}

export function sampleLine(s: GpuSample): string {
  const state = s.alert ? 'ALERT' : s.mining ? 'mining?' : 'ok';
  return `${isoTime(s.time)}  ${where(s)}  ${prob(s.probability)}  ${state.padEnd(7)}  flagged ${s.flagged}/${s.seen}${partner(s.partnerProbability, s.partnerFrom)}${held(s.heldShare)}`;
}

export function alertLine(a: AlertEvent): string {
  if (a.state === 'firing') {
    return `${isoTime(a.time)}  ALERT    ${where(a)}: mining suspected, flagged in ${a.flagged} of the last ${a.seen} working samples (${prob(a.probability)}${partner(a.partnerProbability, a.partnerFrom).replace('  ', ', ')})`;
  }
  return `${isoTime(a.time)}  CLEARED  ${where(a)}: clean in ${a.seen - a.flagged} of the last ${a.seen} working samples (${prob(a.probability)})`;
}

export function formatEvent(e: WatchEvent, format: WatchFormat): string {
  if (format === 'json') return JSON.stringify(e);
  return e.type === 'sample' ? sampleLine(e) : alertLine(e);
}
