import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgrams, sklearnTokenize, tokenizeTitle } from './tokenize.ts';

// Titles below are real Shopee train.csv titles (after the loader decodes `\xNN` escapes).

test('sklearnTokenize reproduces TfidfVectorizer().build_analyzer() output', () => {
  // Expected lists printed by scikit-learn 1.2.1 for the same strings.
  assert.deepEqual(sklearnTokenize('Double Tape 3M VHB 12 mm x 4,5 m ORIGINAL / DOUBLE FOAM TAPE'), [
    'double',
    'tape',
    '3m',
    'vhb',
    '12',
    'mm',
    'original',
    'double',
    'foam',
    'tape',
  ]);
  assert.deepEqual(sklearnTokenize('Crème Wardah_Instaperfect 14. Crème 13 g'), ['crème', 'wardah_instaperfect', '14', 'crème', '13']);
});

test('sizes match however the seller spaced them: 60ml == 60 ml, gr/gram -> g', () => {
  assert.deepEqual(
    tokenizeTitle('Wardah Acnederm Pure Foaming Cleanser 60ml'),
    tokenizeTitle('Wardah Acnederm Pure Foaming Cleanser 60 ml'),
  );
  assert.deepEqual(tokenizeTitle('Maling TTS Canned Pork Luncheon Meat 397 gr'), [
    'maling',
    'tts',
    'canned',
    'pork',
    'luncheon',
    'meat',
    '397',
    'g',
  ]);
  assert.deepEqual(tokenizeTitle('Bihun Jagung 350 Gram').slice(-2), ['350', 'g']);
  assert.deepEqual(tokenizeTitle('Schweppes Tonic Water Sleek Can 330 mL').slice(-2), ['330', 'ml']);
});

test('decimal commas and points stay inside the number; single digits and one-letter units are kept, other single letters are not', () => {
  assert.deepEqual(tokenizeTitle('Double Tape 3M VHB 12 mm x 4,5 m ORIGINAL / DOUBLE FOAM TAPE'), [
    'double',
    'tape',
    '3',
    'm',
    'vhb',
    '12',
    'mm',
    '4.5',
    'm',
    'original',
    'double',
    'foam',
    'tape',
  ]);
  assert.deepEqual(tokenizeTitle('Lensa Antiradiasi Supersin / CRMC 1.56'), ['lensa', 'antiradiasi', 'supersin', 'crmc', '1.56']);
  assert.deepEqual(tokenizeTitle('Case Anticrack Xiaomi Redmi 8 / 8A / PRO Softcase'), [
    'case',
    'anticrack',
    'xiaomi',
    'redmi',
    '8',
    '8',
    'pro',
    'softcase',
  ]);
});

test('model codes written three ways give the same tokens', () => {
  const tokens = tokenizeTitle('Alat Mesin Cukur Rambut Turbo Original Kemei KM-1990 KM 1990 KM1990');
  assert.deepEqual(tokens.slice(-6), ['km', '1990', 'km', '1990', 'km', '1990']);
});

test('accents, case, punctuation and b"..." wrappers are dropped', () => {
  assert.deepEqual(tokenizeTitle('Wardah Instaperfect MATTE FIT Powder Foundation 14. Crème 13 g'), [
    'wardah',
    'instaperfect',
    'matte',
    'fit',
    'powder',
    'foundation',
    '14',
    'creme',
    '13',
    'g',
  ]);
  assert.deepEqual(tokenizeTitle('b"LOREAL Paris Excellence Hair Color L\'oreal Cat / Warna Rambut"'), [
    'loreal',
    'paris',
    'excellence',
    'hair',
    'color',
    'loreal',
    'cat',
    'warna',
    'rambut',
  ]);
  assert.deepEqual(tokenizeTitle('(1KG 4 PSNG))SANDAL  JEPIT SANTAI'), ['1', 'kg', '4', 'psng', 'sandal', 'jepit', 'santai']);
});

test('keepGlued adds the glued number+unit token next to its halves; options switch steps off', () => {
  assert.deepEqual(tokenizeTitle('realme 5i 4/64GB [5000mAh Battery]', { keepGlued: true }), [
    'realme',
    '5',
    '5i',
    '4',
    '64',
    'gb',
    '64gb',
    '5000',
    'mah',
    '5000mah',
    'battery',
  ]);
  assert.deepEqual(tokenizeTitle('Bihun 350gram', { keepGlued: true }), ['bihun', '350', 'g', '350g']);
  assert.deepEqual(tokenizeTitle('realme 5i 5000mAh', { splitNumbers: false }), ['realme', '5i', '5000mah']);
  assert.deepEqual(tokenizeTitle('Bihun 350 gram', { canonicalUnits: false }), ['bihun', '350', 'gram']);
  assert.deepEqual(tokenizeTitle('Tas X Bahu', { minLength: 1 }), ['tas', 'x', 'bahu']);
});

test('charNgrams matches scikit-learn char_wb (2, 3)', () => {
  // TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 3)).build_analyzer()('ab x')
  assert.deepEqual(charNgrams(['ab', 'x'], 2, 3), [' a', 'ab', 'b ', ' ab', 'ab ', ' x', 'x ', ' x ']);
  assert.throws(() => charNgrams(['ab'], 3, 2), /minN <= maxN/);
});
