// The FusedBatchNorm gradient without the stock gradient's full-size tile of 1/sqrt(var):
// broadcasting multiplies, and per-channel sums taken before scaling by per-channel factors. Same math.
import * as tfc from '@tensorflow/tfjs-core';
import { FusedBatchNorm, type GradConfig } from '@tensorflow/tfjs-core';
import { numberAttr, singleGradient } from './shared.ts';

export const fusedBatchNormGradConfig: GradConfig = {
  kernelName: FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const varianceEpsilon = numberAttr(attrs, FusedBatchNorm, 'varianceEpsilon');
    const [x, mean, variance, scale] = saved;
    const dyT = singleGradient(dy, FusedBatchNorm);
    const reductionAxes = tfc.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tfc.Tensor) => (reductionAxes.length > 0 ? tfc.sum(t, reductionAxes) : t);
    const rsqrtVar = tfc.rsqrt(tfc.add(variance, tfc.scalar(varianceEpsilon)));
    const scaleValue = scale == null ? tfc.scalar(1) : scale;
    const xMinusMean = () => tfc.sub(x, mean);
    return {
      x: () => tfc.reshape(tfc.mul(dyT, tfc.mul(rsqrtVar, scaleValue)), x.shape),
      mean: () => tfc.reshape(tfc.mul(reduce(dyT), tfc.mul(tfc.neg(rsqrtVar), scaleValue)), mean.shape),
      variance: () => {
        const minusHalfRCube = tfc.mul(tfc.mul(tfc.mul(rsqrtVar, rsqrtVar), rsqrtVar), tfc.scalar(-0.5));
        return tfc.reshape(tfc.mul(reduce(tfc.mul(dyT, xMinusMean())), tfc.mul(minusHalfRCube, scaleValue)), mean.shape);
      },
      scale: () => tfc.reshape(tfc.mul(reduce(tfc.mul(dyT, xMinusMean())), rsqrtVar), mean.shape),
      offset: () => tfc.reshape(reduce(dyT), mean.shape),
    };
  },
};
