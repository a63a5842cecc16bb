"""Writes the weight layout of keras.applications.efficientnet B0-B3 (include_top=False) as JSON.

It runs Keras's own EfficientNet() function, not a re-implementation of it, with recording stand-ins
for the few keras modules that function imports: every layer it creates is logged with its name
and the weights Keras would give it (names and shapes), in creation order, which is the order of
model.layers and so of the `layer_names` attribute of a saved .h5 file. That keeps the expected
names independent of our TypeScript graph, which packages/vision/src/keras-layout.test.ts checks
against this file.

Usage (from the repository root, with a keras checkout or `git show` of the file):
  python3 packages/vision/scripts/keras-efficientnet-layout.py /path/to/keras/src/applications/efficientnet.py \
    > packages/vision/src/keras-efficientnet-layout.json
"""

import json
import sys
import types


class Symbolic:
    """A symbolic tensor: only the static shape (batch, height, width, channels) is tracked."""

    def __init__(self, shape):
        self.shape = tuple(shape)


LOG = []
AUTO_NAMES = {}


def auto_name(cls_name):
    # Keras names unnamed layers by snake-cased class name, numbered from the second one on.
    base = "".join("_" + c.lower() if c.isupper() else c for c in cls_name).lstrip("_")
    base = base.replace("2_d", "2d")
    n = AUTO_NAMES.get(base, 0)
    AUTO_NAMES[base] = n + 1
    return (base if n == 0 else f"{base}_{n}"), True


class Layer:
    def __init__(self, *args, name=None, **kwargs):
        self.args = args
        self.kwargs = kwargs
        if name is None:
            self.name, self.auto = auto_name(type(self).__name__)
        else:
            self.name, self.auto = name, False

    def weights(self, shape):
        return []

    def output_shape(self, shape):
        return shape

    def __call__(self, x):
        shape = x.shape if isinstance(x, Symbolic) else x[0].shape
        LOG.append({"name": self.name, "autoNamed": self.auto, "className": type(self).__name__,
                    "weights": [{"name": w, "shape": list(s)} for w, s in self.weights(shape)]})
        return Symbolic(self.output_shape(shape))


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_out(size, kernel, stride, padding):
    if size is None:
        return None
    return (size + stride - 1) // stride if padding == "same" else (size - kernel) // stride + 1


class Convolution(Layer):
    """Conv2D and DepthwiseConv2D: `kernel_arg` is where the kernel size sits in the call's arguments."""

    kernel_arg = 0

    def kernel(self):
        return pair(self.args[self.kernel_arg])

    def channels_out(self, shape):
        return shape[3]

    def kernel_weight(self, shape):
        raise NotImplementedError

    def weights(self, shape):
        w = [self.kernel_weight(shape)]
        if self.kwargs.get("use_bias", True):
            w.append(("bias", (self.channels_out(shape),)))
        return w

    def output_shape(self, shape):
        kernel = self.kernel()
        stride = pair(self.kwargs.get("strides", 1))
        padding = self.kwargs.get("padding", "valid")
        return (shape[0], conv_out(shape[1], kernel[0], stride[0], padding),
                conv_out(shape[2], kernel[1], stride[1], padding), self.channels_out(shape))


class Conv2D(Convolution):
    kernel_arg = 1

    def channels_out(self, shape):
        return self.args[0]

    def kernel_weight(self, shape):
        k = self.kernel()
        return ("kernel", (k[0], k[1], shape[3], self.args[0]))


class DepthwiseConv2D(Convolution):
    def kernel_weight(self, shape):
        k = self.kernel()
        return ("depthwise_kernel", (k[0], k[1], shape[3], 1))


class BatchNormalization(Layer):
    def weights(self, shape):
        c = (shape[3],)
        return [("gamma", c), ("beta", c), ("moving_mean", c), ("moving_variance", c)]


class Normalization(Layer):
    def weights(self, shape):
        c = (shape[-1],)
        return [("mean", c), ("variance", c), ("count", ())]


class ZeroPadding2D(Layer):
    def output_shape(self, shape):
        (t, b), (l, r) = self.kwargs["padding"]
        return (shape[0], shape[1] + t + b, shape[2] + l + r, shape[3])


class GlobalAveragePooling2D(Layer):
    def output_shape(self, shape):
        return (shape[0], shape[3])


class GlobalMaxPooling2D(GlobalAveragePooling2D):
    pass


class Reshape(Layer):
    def output_shape(self, shape):
        return (shape[0],) + tuple(self.args[0])


class Dense(Layer):
    def weights(self, shape):
        return [("kernel", (shape[-1], self.args[0])), ("bias", (self.args[0],))]

    def output_shape(self, shape):
        return shape[:-1] + (self.args[0],)


class Rescaling(Layer):
    pass


class Activation(Layer):
    pass


class Dropout(Layer):
    pass


class InputLayer(Layer):
    pass


class Multiply(Layer):
    pass


class Add(Layer):
    pass


def Input(shape=None, tensor=None):
    InputLayer(name="input_layer")(Symbolic((None,) + tuple(shape)))
    return Symbolic((None,) + tuple(shape))


def merge(cls):
    def apply(inputs, name=None):
        return cls(name=name)(inputs)
    return apply


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def install_stand_ins(input_size):
    def correct_pad(inputs, kernel_size):
        # Computed from the shape as keras/src/applications/imagenet_utils.py does; recorded only to
        # size the padded maps (the layout does not depend on it).
        k = pair(kernel_size)
        adjust = (1, 1) if inputs.shape[1] is None else (1 - inputs.shape[1] % 2, 1 - inputs.shape[2] % 2)
        return ((k[0] // 2 - adjust[0], k[0] // 2), (k[1] // 2 - adjust[1], k[1] // 2))

    layers = module(
        "keras.src.layers", Input=Input, Rescaling=Rescaling, Normalization=Normalization,
        ZeroPadding2D=ZeroPadding2D, Conv2D=Conv2D, BatchNormalization=BatchNormalization,
        Activation=Activation, DepthwiseConv2D=DepthwiseConv2D, GlobalAveragePooling2D=GlobalAveragePooling2D,
        GlobalMaxPooling2D=GlobalMaxPooling2D, Reshape=Reshape, Dropout=Dropout, Dense=Dense,
        multiply=merge(Multiply), add=merge(Add))
    backend = module("keras.src.backend", image_data_format=lambda: "channels_last", is_keras_tensor=lambda t: True)
    imagenet_utils = module(
        "keras.src.applications.imagenet_utils",
        obtain_input_shape=lambda *a, **k: (input_size, input_size, 3), correct_pad=correct_pad,
        validate_activation=lambda *a, **k: None, decode_predictions=lambda *a, **k: None)
    module("keras")
    module("keras.src", backend=backend, layers=layers)
    module("keras.src.applications", imagenet_utils=imagenet_utils)
    module("keras.src.api_export", keras_export=lambda *a, **k: (lambda f: f))
    module("keras.src.models", Functional=lambda inputs, outputs, name=None: name)
    module("keras.src.ops", operation_utils=types.SimpleNamespace(get_source_inputs=lambda t: [t]))
    module("keras.src.utils", file_utils=types.SimpleNamespace(exists=lambda p: False))


def main(source_path):
    install_stand_ins(224)
    namespace = {"__name__": "keras_efficientnet_source"}
    with open(source_path, encoding="utf8") as f:
        exec(compile(f.read(), source_path, "exec"), namespace)
    out = {"source": "keras/src/applications/efficientnet.py", "variants": {}}
    for variant in ["B0", "B1", "B2", "B3"]:
        LOG.clear()
        AUTO_NAMES.clear()
        # weights=None: the same layers as "imagenet" minus the variance-fix Rescaling, which has no
        # weights; include_top=False is the *_notop.h5 layout.
        namespace[f"EfficientNet{variant}"](include_top=False, weights=None)
        out["variants"][variant.lower()] = [entry for entry in LOG if entry["weights"]]
    # One layer per line: small, and a diff shows which layer changed.
    lines = []
    for variant, entries in out["variants"].items():
        rows = ",\n    ".join(json.dumps(e, separators=(",", ":")) for e in entries)
        lines.append(f'  "{variant}": [\n    {rows}\n  ]')
    sys.stdout.write('{"source": ' + json.dumps(out["source"]) + ', "variants": {\n' + ",\n".join(lines) + "\n}}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: keras-efficientnet-layout.py /path/to/keras/src/applications/efficientnet.py")
    main(sys.argv[1])
