// A CNN trained with a softmax or ArcFace head over the train groups (uniform or 1/group-size
// weighted sampling); its 512-d embedding is the feature. With freeze 'backbone' the backbone's pooled
// features are computed once and cached, and only the embedding layers and head train over them.
import type { Posting } from '@prodmatch/data';
import { SEED_ARCFACE } from '@prodmatch/vision/constants';
import { z } from 'zod';
import { defineFeature, type FeatureContext } from './feature.ts';
import { cachedFeatures, checkpointPlace, weightsIdentity } from './image-cache.ts';
import { backboneFields, imageTrainingFields, resolveImageSettings, type ImageSettings } from './image-settings.ts';

const DEFAULT_EPOCHS = 6;

export const imageEmbeddingSchema = z
  .strictObject({
    head: z.enum(['softmax', 'arcface']).default('arcface'),
    sampler: z.enum(['uniform', 'weighted']).default('uniform'),
    /** ArcFace's margin m, scale s, easy margin and label smoothing (the seeds' values by default). */
    arcface: z
      .strictObject({
        margin: z.number().min(0).default(SEED_ARCFACE.margin),
        scale: z.number().positive().default(SEED_ARCFACE.scale),
        easyMargin: z.boolean().default(SEED_ARCFACE.easyMargin),
        labelSmoothing: z.number().min(0).max(1).default(SEED_ARCFACE.labelSmoothing),
      })
      .prefault({}),
    embeddingDim: z.int().positive().default(512),
    dropout: z.number().min(0).max(1).default(0.1),
    /** Filters of the small CNN's four blocks (unused by EfficientNet). */
    smallFilters: z.array(z.int().positive()).default([16, 32, 64, 128]),
    ...imageTrainingFields,
    ...backboneFields,
  })
  .transform(({ head, sampler, arcface, embeddingDim, dropout, smallFilters, ...training }, ctx) => {
    const settings = resolveImageSettings(training, DEFAULT_EPOCHS, ctx);
    return {
      head,
      sampler,
      ...(head === 'arcface' ? { arcface } : {}),
      embeddingDim,
      dropout,
      smallFilters: settings.backbone === 'small' && settings.weights === null ? smallFilters : null,
      ...settings,
    };
  });

type ImageEmbeddingConfig = z.output<typeof imageEmbeddingSchema>;

/** Paths in the config are resolved where the user typed them; a URL stays a URL. */
function resolvedPaths(settings: ImageSettings, context: FeatureContext): ImageSettings {
  const path = (p: string | null): string | null => (p === null || /^https?:\/\//.test(p) ? p : context.resolvePath(p));
  return { ...settings, weights: path(settings.weights), saveBackbone: path(settings.saveBackbone), imageCache: path(settings.imageCache) };
}

const imagePathsOf = async (postings: readonly Posting[], context: FeatureContext): Promise<string[]> =>
  (await import('@prodmatch/vision')).imagePaths(
    context.imagesDir,
    postings.map((p) => p.image),
  );

export const imageEmbedding = defineFeature('image-embedding', imageEmbeddingSchema, (config: ImageEmbeddingConfig) => {
  const what = `${config.head}-${config.sampler}`;
  type Vision = typeof import('@prodmatch/vision');
  type LayersModel = ReturnType<Vision['buildEmbeddingHead']>;
  let model: LayersModel | null = null;
  let frozen: { backbone: LayersModel; head: LayersModel; identity: Record<string, unknown> } | null = null;

  const modelOptions = (settings: ImageSettings, context: FeatureContext) => ({
    backbone: settings.backbone,
    imageSize: settings.imageSize,
    embeddingDim: config.embeddingDim,
    dropout: config.dropout,
    smallFilters: [...(config.smallFilters ?? [16, 32, 64, 128])],
    weights: settings.weights ?? undefined,
    pretrained: settings.pretrained === 'imagenet' ? ('imagenet' as const) : undefined,
    weightsCache: process.env.PRODMATCH_CACHE ? context.resolvePath(process.env.PRODMATCH_CACHE) : `${context.cacheDir}/weights`,
    weightsUrl: process.env.PRODMATCH_WEIGHTS_URL,
    seed: context.seed,
    log: context.log,
  });

  /** What the frozen backbone is: variant and size, and where its weights came from (by content). */
  const backboneIdentity = (settings: ImageSettings, md5: Record<string, string>, seed: number): Record<string, unknown> => {
    const source = settings.weights
      ? weightsIdentity(settings.weights)
      : settings.pretrained === 'imagenet' && settings.backbone !== 'small'
        ? `imagenet:${md5[settings.backbone]}`
        : `random:seed ${seed}`;
    return {
      backbone: settings.weights ? 'from --weights' : settings.backbone,
      smallFilters: config.smallFilters,
      imageSize: settings.imageSize,
      source,
    };
  };

  return {
    needsImages: true,
    async fit(train, context) {
      const vision = await import('@prodmatch/vision');
      const { tf } = await context.tf();
      const settings = resolvedPaths(config, context);
      const place = checkpointPlace(settings, what, context, train);
      const groups = new Set(train.map((p) => p.labelGroup)).size;
      const labels = train.map((p) => p.labelGroup as string);
      const training = {
        head: config.head,
        arcface: config.arcface ?? SEED_ARCFACE,
        sampler: config.sampler,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
        schedule: settings.schedule,
        seed: context.seed,
        checkpointDir: place.dir,
        checkpointKey: place.key,
        resume: settings.resume,
        accumulate: settings.accumulate,
        imageCache: settings.imageCache ?? undefined,
        progress: context.progress,
        log: context.log,
      };
      if (settings.freeze === 'backbone') {
        const { backbone } = await vision.buildBackbone(modelOptions(settings, context));
        const identity = backboneIdentity(settings, vision.EFFICIENTNET_NOTOP_MD5, context.seed);
        const paths = await imagePathsOf(train, context);
        const features = await cachedFeatures(identity, train, context, 'train', () =>
          vision.embedImages(tf, backbone, paths, { batchSize: 64, progress: context.progress, label: 'train backbone features' }),
        );
        const head = vision.buildEmbeddingHead(features.dim, {
          dropout: config.dropout,
          embeddingDim: config.embeddingDim,
          seed: context.seed,
        });
        context.log(
          `training ${what} over frozen ${features.dim}-d backbone features of ${train.length} postings (${groups} groups), ${settings.epochs} epochs; checkpoints in ${place.dir}`,
        );
        const start = Date.now();
        await vision.trainEmbeddingHead(tf, head, features, labels, training);
        context.log(`head trained in ${((Date.now() - start) / 1000).toFixed(1)} s`);
        frozen = { backbone, head, identity };
        return;
      }
      model = await vision.buildEmbeddingModel(modelOptions(settings, context));
      const trainedBlocks = settings.freeze === 'none' ? null : vision.freezeBackbone(model, settings.freeze);
      const frozenNote = trainedBlocks === null ? '' : `, backbone frozen but its top ${trainedBlocks} blocks`;
      context.log(
        `training ${what} on ${train.length} postings (${groups} groups), ${settings.backbone} at ${settings.imageSize} px, ${settings.epochs} epochs${frozenNote}; checkpoints in ${place.dir}`,
      );
      context.log(
        vision.memoryEstimateLine(model, {
          backbone: settings.backbone,
          imageSize: settings.imageSize,
          batchSize: settings.batchSize,
          accumulate: settings.accumulate,
        }),
      );
      await vision.trainEmbeddingModel(tf, model, await imagePathsOf(train, context), labels, training);
      if (settings.saveBackbone) context.log(`backbone saved: ${(await vision.saveBackbone(model, settings.saveBackbone)).join(', ')}`);
    },
    async extract(postings, context) {
      const vision = await import('@prodmatch/vision');
      const { tf } = await context.tf();
      const paths = await imagePathsOf(postings, context);
      if (frozen) {
        const { backbone, head } = frozen;
        const features = await cachedFeatures(frozen.identity, postings, context, 'gallery', () =>
          vision.embedImages(tf, backbone, paths, { batchSize: 64, progress: context.progress, label: 'gallery backbone features' }),
        );
        return { kind: 'dense', matrix: vision.encodeRows(tf, head, features) };
      }
      if (!model) throw new Error(`${what}: extract() was called before fit(); the runner fits on the train groups first`);
      return { kind: 'dense', matrix: await vision.embedImages(tf, model, paths, { batchSize: 64, progress: context.progress }) };
    },
  };
});
