// The ggml tensor types a GGUF file may hold, as ggml numbers them, and the ones we read: every type that a
// Q4_K_M, Q5_K_M, Q6_K, Q8_0, Q4_0/Q4_1/Q5_0/Q5_1, F16, BF16 or F32 file contains (a "K" file also holds
// Q5_0, Q5_1, Q8_0 or F16 where a row is not a whole number of 256-value blocks). A row of a tensor (along
// its innermost dimension) is a whole number of blocks; a block packs `blockValues` values into `blockBytes`.
export interface GgmlType {
  readonly id: number;
  readonly name: string;
  readonly blockValues: number;
  readonly blockBytes: number;
}

const READ: readonly GgmlType[] = [
  { id: 0, name: 'F32', blockValues: 1, blockBytes: 4 },
  { id: 1, name: 'F16', blockValues: 1, blockBytes: 2 },
  { id: 2, name: 'Q4_0', blockValues: 32, blockBytes: 18 },
  { id: 3, name: 'Q4_1', blockValues: 32, blockBytes: 20 },
  { id: 6, name: 'Q5_0', blockValues: 32, blockBytes: 22 },
  { id: 7, name: 'Q5_1', blockValues: 32, blockBytes: 24 },
  { id: 8, name: 'Q8_0', blockValues: 32, blockBytes: 34 },
  { id: 12, name: 'Q4_K', blockValues: 256, blockBytes: 144 },
  { id: 13, name: 'Q5_K', blockValues: 256, blockBytes: 176 },
  { id: 14, name: 'Q6_K', blockValues: 256, blockBytes: 210 },
  { id: 30, name: 'BF16', blockValues: 1, blockBytes: 2 },
];

/** The names of the types we do not read, for the error that refuses them. */
const OTHER_NAMES: Readonly<Record<number, string>> = {
  9: 'Q8_1',
  10: 'Q2_K',
  11: 'Q3_K',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  26: 'I32',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  34: 'TQ1_0',
  35: 'TQ2_0',
  39: 'MXFP4',
};

const BY_ID = new Map(READ.map((t) => [t.id, t]));

export const READABLE_TYPES: readonly string[] = READ.map((t) => t.name);

/** The type with ggml number `id`, if we read it. */
export const ggmlType = (id: number): GgmlType | undefined => BY_ID.get(id);

export const ggmlTypeByName = (name: string): GgmlType | undefined => READ.find((t) => t.name === name);

/** A type's name for messages: ggml's name where it has one we know, else its number. */
export const ggmlTypeName = (id: number): string => BY_ID.get(id)?.name ?? OTHER_NAMES[id] ?? `type ${id}`;

/** Bytes of a row of `values` values, or undefined where the row is not a whole number of blocks. */
export function rowBytes(type: GgmlType, values: number): number | undefined {
  return values % type.blockValues === 0 ? (values / type.blockValues) * type.blockBytes : undefined;
}
