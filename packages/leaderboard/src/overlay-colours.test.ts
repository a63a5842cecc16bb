import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRow, REAL } from '@prodmatch/results/testing';
import { seriesColours, sweepOverlaySpec } from './charts.ts';

interface OverlayColour {
  spec: { layer: { encoding: { color: { field: string; scale: { domain: string[]; range: string[] } } } }[] };
}

test('the overlay gives each of 12 series its own colour (the default scheme has 10), and both layers share the mapping', () => {
  const names = [
    'arcface',
    'arcface-weighted',
    'cae',
    'double-ae',
    'glove',
    'glove-idf',
    'phash',
    'softmax',
    'softmax-weighted',
    'text-idf',
    'text-idf-min2',
    'text-tfidf',
  ];
  // The spec as JSON (what the .vl.json file holds), read at the fields this test looks at.
  const spec: OverlayColour = JSON.parse(JSON.stringify(sweepOverlaySpec(names.map((name) => makeRow(name, REAL, 0.6)))));
  const [lines, dots] = spec.spec.layer.map((l) => l.encoding.color);
  assert.deepEqual(lines.scale.domain, names);
  assert.equal(new Set(lines.scale.range).size, names.length, `colours: ${lines.scale.range.join(' ')}`);
  assert.deepEqual(dots, lines);
});

test('past the 18-colour palette, colours are still all different', () => {
  for (const count of [1, 10, 18, 19, 40]) assert.equal(new Set(seriesColours(count)).size, count, `count ${count}`);
});
