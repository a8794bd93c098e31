/**
 * Flattening of one `nvidia-smi -q -x` document into per-GPU records, the
 * rule of shared/tools/capture/capture.py (which recorded the training data):
 * - path joined with dots under `nvidia_smi_log`; attributes as `.@name`;
 * - a tag that repeats under one parent gets its index (`process_info.0`);
 * - a leaf keeps its whitespace-stripped text, an empty leaf becomes null;
 *   an element with children keeps none of its own text;
 * - `supported_clocks` is left out wherever it appears;
 * - top-level children other than `gpu` are flattened once and shared by every
 *   GPU's record, ahead of the GPU's own keys; `hostname` and `timestamp`
 *   (epoch seconds) come last.
 * Key order is document order, as in the Python dict, so records written here
 * and by capture.py line up key for key.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TelemetryError } from '../errors.js';

/** One GPU at one instant: dotted keys to text (or null), plus hostname and timestamp. */
export type NvsmiRecord = Record<string, string | number | null>;

const ROOT = 'nvidia_smi_log';
const SKIPPED = 'supported_clocks';
const TEXT = '#text';
const ATTRS = ':@';

// preserveOrder keeps document order and repeated tags as separate entries;
// no value parsing or trimming, so text reaches the rule exactly as written.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
});

/** A node of fast-xml-parser's ordered output: `{tag: children, ':@': attrs}` or `{'#text': text}`. */
type OrderedNode = Record<string, unknown>;

interface Element {
  tag: string;
  attrs: Record<string, string> | undefined;
  children: OrderedNode[];
}

function asElement(node: OrderedNode): Element | null {
  for (const key of Object.keys(node)) {
    if (key === ATTRS || key === TEXT) continue;
    const children = node[key];
    return {
      tag: key,
      attrs: node[ATTRS] as Record<string, string> | undefined,
      children: Array.isArray(children) ? (children as OrderedNode[]) : [],
    };
  }
  return null;
}

function childElements(el: Element): Element[] {
  const out: Element[] = [];
  for (const n of el.children) {
    const e = asElement(n);
    if (e) out.push(e);
  }
  return out;
}

function leafText(el: Element): string | null {
  let text = '';
  for (const n of el.children) {
    const t = n[TEXT];
    if (t !== undefined) text += String(t);
  }
  text = text.trim();
  return text === '' ? null : text;
}

function flattenInto(el: Element, prefix: string, out: NvsmiRecord): void {
  if (el.attrs) for (const [k, v] of Object.entries(el.attrs)) out[`${prefix}.@${k}`] = String(v);
  const children = childElements(el);
  if (children.length === 0) {
    out[prefix] = leafText(el);
    return;
  }
  const counts = new Map<string, number>();
  for (const c of children) counts.set(c.tag, (counts.get(c.tag) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const c of children) {
    if (c.tag === SKIPPED) continue;
    if ((counts.get(c.tag) ?? 0) > 1) {
      const i = seen.get(c.tag) ?? 0;
      seen.set(c.tag, i + 1);
      flattenInto(c, `${prefix}.${c.tag}.${i}`, out);
    } else {
      flattenInto(c, `${prefix}.${c.tag}`, out);
    }
  }
}

/** The document split the way records are built: keys shared by all GPUs, and each GPU's own keys. */
export interface FlatDocument {
  common: NvsmiRecord;
  gpus: NvsmiRecord[];
}

/**
 * Parses and flattens one document without hostname/timestamp. Throws
 * TelemetryError(ABP_NVSMI_MALFORMED) for anything that is not a well-formed
 * `<nvidia_smi_log>` document.
 */
export function flattenDocument(xml: string, source = 'nvidia-smi output'): FlatDocument {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new TelemetryError('ABP_NVSMI_MALFORMED', `${source}: malformed XML at line ${line}${col ? `, column ${col}` : ''}: ${msg}`);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(xml) as OrderedNode[];
  } catch (err) {
    throw new TelemetryError('ABP_NVSMI_MALFORMED', `${source}: malformed XML: ${(err as Error).message}`, { cause: err });
  }
  const roots = nodes.map(asElement).filter((e): e is Element => e !== null);
  if (roots.length !== 1 || roots[0].tag !== ROOT) {
    const got = roots.map((r) => `<${r.tag}>`).join(', ') || 'no element';
    throw new TelemetryError('ABP_NVSMI_MALFORMED', `${source}: expected one <${ROOT}> document, got ${got}`);
  }
  const common: NvsmiRecord = {};
  const gpus: NvsmiRecord[] = [];
  for (const child of childElements(roots[0])) {
    if (child.tag === SKIPPED) continue;
    if (child.tag === 'gpu') {
      const own: NvsmiRecord = {};
      flattenInto(child, `${ROOT}.gpu`, own);
      gpus.push(own);
    } else {
      flattenInto(child, `${ROOT}.${child.tag}`, common);
    }
  }
  return { common, gpus };
}

/** Builds the records of one sample: shared keys, the GPU's keys, then hostname and timestamp. */
export function recordsOf(doc: FlatDocument, hostname: string, timestamp: number): NvsmiRecord[] {
  return doc.gpus.map((own) => {
    const row: NvsmiRecord = { ...doc.common };
    for (const [k, v] of Object.entries(own)) row[k] = v;
    row.hostname = hostname;
    row.timestamp = timestamp;
    return row;
  });
}

/** One record per GPU from one `nvidia-smi -q -x` document. */
export function flattenNvsmi(xml: string, opts: { hostname: string; timestamp: number; source?: string }): NvsmiRecord[] {
  return recordsOf(flattenDocument(xml, opts.source), opts.hostname, opts.timestamp);
}
