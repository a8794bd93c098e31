/**
 * The scripts' reader of JSON-lines files (plain, or gzipped by the `.gz`
 * extension): every non-blank line as an object, in file order; a line that
 * is not a JSON object is an error naming the file and line. For training and
 * evaluation inputs, which fit in memory; the pipeline has its own streaming
 * reader.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export function readJsonLines(path: string): Record<string, unknown>[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const out: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}:${i + 1}: not a JSON object`);
    out.push(v as Record<string, unknown>);
  }
  return out;
}
