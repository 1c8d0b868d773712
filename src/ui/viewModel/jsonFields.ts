// Reading the engine's JSON contracts field by field, defensively: a missing or mistyped field reads as empty
// (and shows as "not computed") instead of breaking a view.

export type Json = Record<string, unknown>;

export const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
export const array = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const number = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
