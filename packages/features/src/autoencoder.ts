// Seed 004's convolutional autoencoder trained on the train images: its 2,048-value encoder output is
// the embedding, or (dense) a dense autoencoder squeezes those latents to 64 values.
import type { Posting } from '@prodmatch/data';
import type { DenseMatrix } from '@prodmatch/knn';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from './feature.ts';
import { checkpointPlace } from './image-cache.ts';
import { imageTrainingFields, resolveImageSettings } from './image-settings.ts';

const DEFAULT_EPOCHS = 3;

export const autoencoderSchema = z
  .strictObject({
    /** CAE latents -> dense AE (2048 -> 64, LeakyReLU 0.3), as seed 004's double autoencoder. */
    dense: z.boolean().default(false),
    ...imageTrainingFields,
  })
  .transform(({ dense, ...training }, ctx) => {
    const { backbone, pretrained, weights, freeze, saveBackbone, ...settings } = resolveImageSettings(training, DEFAULT_EPOCHS, ctx);
    return { dense, ...settings };
  });

type Vision = typeof import('@prodmatch/vision');
type Autoencoder = ReturnType<Vision['convAutoencoder']>;

const imagePathsOf = async (postings: readonly Posting[], context: FeatureContext): Promise<string[]> =>
  (await import('@prodmatch/vision')).imagePaths(
    context.imagesDir,
    postings.map((p) => p.image),
  );

export const autoencoder = defineFeature('autoencoder', autoencoderSchema, (config) => {
  const what = config.dense ? 'cae-dense-ae' : 'cae';
  let cae: Autoencoder | null = null;
  let dense: Autoencoder | null = null;
  const notFitted = (): never => {
    throw new Error(`${what}: extract() was called before fit(); the runner fits on the train groups first`);
  };
  return {
    needsImages: true,
    async fit(train, context) {
      const vision = await import('@prodmatch/vision');
      const { tf } = await context.tf();
      const settings = {
        ...config,
        backbone: 'small' as const,
        pretrained: 'none' as const,
        weights: null,
        freeze: 'none' as const,
        saveBackbone: null,
      };
      const place = checkpointPlace(settings, what, context, train);
      cae = vision.convAutoencoder(config.imageSize, context.seed);
      context.log(
        `training the CAE on ${train.length} images at ${config.imageSize} px, ${config.epochs} epochs; checkpoints in ${place.dir}`,
      );
      context.log(
        vision.memoryEstimateLine(cae.autoencoder, {
          backbone: 'the CAE',
          imageSize: config.imageSize,
          batchSize: config.batchSize,
          accumulate: config.accumulate,
        }),
      );
      const common = {
        batchSize: config.batchSize,
        accumulate: config.accumulate,
        schedule: config.schedule,
        seed: context.seed,
        epochs: config.epochs,
        resume: config.resume,
        progress: context.progress,
        log: context.log,
      };
      const paths = await imagePathsOf(train, context);
      const imageCache = config.imageCache === null ? undefined : context.resolvePath(config.imageCache);
      await vision.trainConvAutoencoder(tf, cae, paths, {
        ...common,
        imageCache,
        checkpointDir: `${place.dir}/cae`,
        checkpointKey: place.key,
      });
      if (!config.dense) return;
      const latents = await vision.embedImages(tf, cae.encoder, paths, {
        batchSize: 64,
        normalise: false,
        progress: context.progress,
        label: 'cae latents',
      });
      dense = vision.denseAutoencoder(latents.dim, 64, context.seed);
      // The dense AE is cheap; more epochs over in-memory latents cost seconds.
      await vision.trainDenseAutoencoder(tf, dense, latents, {
        ...common,
        epochs: config.epochs * 4,
        batchSize: 64,
        checkpointDir: `${place.dir}/dense`,
        checkpointKey: place.key,
      });
    },
    async extract(postings, context) {
      const vision = await import('@prodmatch/vision');
      const { tf } = await context.tf();
      const encoder = cae?.encoder ?? notFitted();
      const latents = await vision.embedImages(tf, encoder, await imagePathsOf(postings, context), {
        batchSize: 64,
        normalise: false,
        progress: context.progress,
        label: 'cae latents',
      });
      const matrix: DenseMatrix = config.dense ? vision.encodeRows(tf, (dense ?? notFitted()).encoder, latents) : latents;
      return { kind: 'dense', matrix };
    },
  };
});
