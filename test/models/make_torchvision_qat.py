#!/usr/bin/python3
"""Exports torchvision's quantizable ResNet-18 and MobileNetV2 as QDQ models.

    /usr/bin/python3 make_torchvision_qat.py [SIZE]

What a user of torchvision does: fuse conv+bn+relu, quantization-aware
training with FakeQuantize (fbgemm: uint8 activations, int8 per-channel
weights), convert (batch norm folded into the convolutions), then
torch.onnx.export at opset 13. Training is brief (30 steps on the first 480
MNIST test digits, the only MNIST images in ../shared, upsampled to
3 x SIZE x SIZE, 10 classes) so that observers and weights leave their
initial values; accuracy is not the point. Writes resnet18_qat.onnx,
mobilenet_v2_qat.onnx and torchvision_input.npy (the last 4 test digits,
not trained on, at the same size). Needs python3-torch and python3-torchvision.
"""
import gzip
import pathlib
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.models import quantization as qmodels

HERE = pathlib.Path(__file__).resolve().parent
MNIST = HERE.parent.parent.parent / "shared" / "data" / "mnist"


def mnist(first, last):
    images = np.frombuffer(gzip.open(MNIST / "t10k-images-idx3-ubyte.gz").read(),
                           dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[first:last]
    labels = np.frombuffer(gzip.open(MNIST / "t10k-labels-idx1-ubyte.gz").read(),
                           dtype=np.uint8, offset=8)[first:last]
    return torch.from_numpy(images.astype(np.float32) / 255), torch.from_numpy(labels.astype(np.int64))


def as_rgb(images, size):
    return F.interpolate(images, size=(size, size), mode="bilinear",
                         align_corners=False).repeat(1, 3, 1, 1)


def export(name, size, images, labels, steps=30, batch=16):
    torch.manual_seed(0)
    model = getattr(qmodels, name)(weights=None, quantize=False, num_classes=10)
    model.train()
    model.fuse_model(is_qat=True)
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
    torch.ao.quantization.prepare_qat(model, inplace=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    for step in range(steps):
        index = torch.arange(step * batch, (step + 1) * batch) % len(images)
        loss = F.cross_entropy(model(as_rgb(images[index], size)), labels[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    quantized = torch.ao.quantization.convert(model)
    example = as_rgb(images[:1], size)
    torch.onnx.export(quantized, example, str(HERE / f"{name}_qat.onnx"), opset_version=13, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    images, labels = mnist(0, 480)
    for name in ("resnet18", "mobilenet_v2"):
        export(name, size, images, labels)
    test_images, _ = mnist(9996, 10000)
    np.save(HERE / "torchvision_input.npy", as_rgb(test_images, size).numpy())


if __name__ == "__main__":
    main()
