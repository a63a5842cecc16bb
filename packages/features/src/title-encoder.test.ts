import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TITLE_ENCODER } from '@prodmatch/text-encoder';
import { titleEncoder, titleEncoderSchema } from './index.ts';

test("the title encoder's resolved config is the encoder's defaults when the experiment sets nothing", () => {
  assert.deepEqual(titleEncoderSchema.parse({}).encoder, DEFAULT_TITLE_ENCODER);
});

test('the title encoder refuses bad settings with the key named, and extract before fit', async () => {
  assert.throws(() => titleEncoder({ ensemble: 0 }).resolve(), /title-encoder: ensemble: Too small/);
  assert.throws(() => titleEncoder({ dropout: 2 }).resolve(), /dropout: Too big/);
  const { extractor } = titleEncoder().resolve();
  await assert.rejects(extractor.extract([], {} as never), /extract\(\) was called before fit\(\)/);
});
