// Reading go-oracle/vectors.jsonl: the env-hash vectors whose expected values Go computed
// (go-oracle/envhash-oracle.go). One JSON object per line, tagged with its kind; bytes are hex.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EnvVarSpec } from '../../../machines/container-meta/env-hash.js';

export const ORACLE_DIR = fileURLToPath(new URL('./go-oracle/', import.meta.url));
export const ORACLE_PROGRAM = 'envhash-oracle.go';
export const VECTORS_FILE = 'vectors.jsonl';

export interface EncodeVector {
  readonly note?: string;
  readonly entries: readonly { readonly name: string; readonly value: string }[];
  readonly json: string;
  readonly hash: number;
}
export interface TrimVector {
  readonly in: string;
  readonly out: string;
}
export interface ExecVector {
  readonly note?: string;
  readonly stdout: string;
  readonly names: readonly string[];
  readonly values: readonly string[];
  readonly hash: number;
}
export interface ExpectedVector {
  readonly note?: string;
  readonly env: readonly EnvVarSpec[];
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly hash: number;
}
export interface ApiJsonVector {
  readonly text: string;
  readonly hash: number;
}

export interface GoVectors {
  readonly header: { readonly comment: string; readonly go: string };
  readonly encode: EncodeVector[];
  readonly trimSpace: TrimVector[];
  readonly execEnv: ExecVector[];
  readonly expected: ExpectedVector[];
  readonly apiJson: ApiJsonVector[];
}

/** Parses the oracle's output (the committed file, or a fresh run's stdout). */
export function parseGoVectors(text: string): GoVectors {
  const vectors: GoVectors = { header: { comment: '', go: '' }, encode: [], trimSpace: [], execEnv: [], expected: [], apiJson: [] };
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const { kind, ...rest } = JSON.parse(line) as { kind: string };
    if (kind === 'header') Object.assign(vectors.header, rest);
    else if (kind in vectors && kind !== 'header') (vectors[kind as Exclude<keyof GoVectors, 'header'>] as unknown[]).push(rest);
    else throw new Error(`${VECTORS_FILE} line ${i + 1}: unknown kind ${kind}`);
  }
  return vectors;
}

export function readGoVectors(): GoVectors {
  return parseGoVectors(readFileSync(`${ORACLE_DIR}${VECTORS_FILE}`, 'utf8'));
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
