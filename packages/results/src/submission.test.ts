import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFailedWrite } from './faults.ts';
import { validateSubmission, writeSubmission, type SubmissionRow } from './submission.ts';

const ids = ['test_1', 'test_2', 'test_3'];
const good = (): SubmissionRow[] => [
  { postingId: 'test_1', matches: ['test_1', 'test_2'] },
  { postingId: 'test_2', matches: ['test_2', 'test_1'] },
  { postingId: 'test_3', matches: ['test_3'] },
];

test('a valid submission passes and is written with Kaggle header', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'prodmatch-sub-')), 'submission.csv');
  await writeSubmission(path, good(), ids, { header: 'posting_id,matches\n' });
  assert.equal(readFileSync(path, 'utf8'), 'posting_id,matches\ntest_1,test_1 test_2\ntest_2,test_2 test_1\ntest_3,test_3\n');
});

test('the validator rejects a missing id, a duplicate id, an unknown id, >50 matches, no self, a wrong header', async () => {
  const check = (rows: SubmissionRow[], pattern: RegExp, header?: string): void =>
    assert.throws(
      () => validateSubmission(rows, ids, { source: 'sub.csv', header }),
      (e: Error) => pattern.test(e.message) && !e.message.includes('\n'),
    );
  check(good().slice(0, 2), /test posting "test_3" has no row \(1 of 3 missing\)/);
  check([...good(), { postingId: 'test_2', matches: ['test_2'] }], /row 5 \(posting_id "test_2"\) appears twice/);
  check([...good().slice(0, 2), { postingId: 'test_9', matches: ['test_9'] }], /"test_9"\) is not a posting of test.csv/);
  check(
    [good()[0], good()[1], { postingId: 'test_3', matches: ['test_3', 'train_5'] }],
    /matches "train_5", which is not a posting of test.csv/,
  );
  check(
    [good()[0], good()[1], { postingId: 'test_3', matches: Array.from({ length: 51 }, (_, i) => (i === 0 ? 'test_3' : `x${i}`)) }],
    /has 51 matches; Kaggle scores at most 50/,
  );
  check([good()[0], good()[1], { postingId: 'test_3', matches: ['test_1'] }], /does not match itself/);
  check(good(), /header is "id,pred"/, 'id,pred');
  const path = join(mkdtempSync(join(tmpdir(), 'prodmatch-sub-')), 'submission.csv');
  await assert.rejects(writeSubmission(path, good().slice(1), ids), /has no row/);
  assert.equal(existsSync(path), false, 'nothing is written when validation fails');
});

test('a submission whose write fails part-way leaves the previous submission.csv byte for byte, no temp file, and a one-line error', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'prodmatch-sub-')), 'submission.csv');
  await writeSubmission(path, good(), ids);
  const changed = good().map((row) => ({ ...row, matches: [row.postingId] }));
  for (const fault of [{ code: 'ENOSPC' }, { code: 'EACCES', at: 'rename' }] as const) {
    const error = await expectFailedWrite(path, () => writeSubmission(path, changed, ids), fault);
    assert.match(error.message, /submission\.csv/);
  }
  // Nothing there before: nothing there after.
  const fresh = join(mkdtempSync(join(tmpdir(), 'prodmatch-sub-')), 'submission.csv');
  await expectFailedWrite(fresh, () => writeSubmission(fresh, good(), ids), { code: 'EIO' });
});
