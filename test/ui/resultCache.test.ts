import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResultCache } from '../../src/ui/resultCache';

test('least recently used entries leave first; keys separate every part', () => {
  const cache = new ResultCache<number>(2);
  const a = ResultCache.key(['/m', 'prompt', 24, 'auto']);
  const b = ResultCache.key(['/m', 'prompt', 24, 'true']);
  const c = ResultCache.key(['/m', 'prompt', 25, 'auto']);
  assert.notEqual(ResultCache.key(['a,b', 'c']), ResultCache.key(['a', 'b,c']));
  cache.set(a, 1);
  cache.set(b, 2);
  assert.equal(cache.get(a), 1); // a is now the most recent
  cache.set(c, 3);
  assert.equal(cache.get(b), undefined);
  assert.equal(cache.get(a), 1);
  assert.equal(cache.get(c), 3);
  assert.equal(cache.size, 2);
});
