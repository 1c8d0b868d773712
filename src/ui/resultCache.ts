// Results kept per (model, prompt, settings), so explaining the same selection again shows at once.
// Least recently used first out. Pure (no vscode).

export class ResultCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  static key(parts: readonly (string | number | boolean)[]): string {
    return JSON.stringify(parts);
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
