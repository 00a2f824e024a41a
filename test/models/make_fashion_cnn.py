#!/usr/bin/python3
"""Trains and exports the Fashion-MNIST int8 CNN of the analog-accuracy
measurements (docs/analog-model.md): two conv+relu+maxpool stages and a
linear layer, trained for two epochs on the 60,000 training images of
Debian's dataset-fashion-mnist, then quantized by PyTorch's eager-mode static
quantization (fbgemm: uint8 activations, int8 per-channel weights) with 1,000
training images for calibration, and exported as QDQ (opset 13).

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 make_fashion_cnn.py [OUT.onnx]     (default fashion_cnn.onnx)
Inputs are the images as float32 / 255, [N, 1, 28, 28]. Deterministic seeds;
prints the float and quantized test accuracy.
"""
import gzip
import sys

import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist/"
torch.manual_seed(0)
torch.set_num_threads(2)


def load(kind):
    with gzip.open(DATA + f"{kind}-images-idx3-ubyte.gz", "rb") as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(DATA + f"{kind}-labels-idx1-ubyte.gz", "rb") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(images.astype(np.float32) / 255), torch.from_numpy(labels.astype(np.int64))


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32 * 7 * 7, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.dequant(self.fc(self.flatten(x)))


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean()) * 100


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fashion_cnn.onnx"
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    model = FashionCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(0)
    for epoch in range(2):
        order = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(train_x[batch]), train_y[batch])
            loss.backward()
            opt.step()
    model.eval()
    print(f"float: {accuracy(model, test_x, test_y):.2f} %")
    model.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.fuse_modules(model, [["conv1", "relu1"], ["conv2", "relu2"]],
                                       inplace=True)
    prepared = torch.ao.quantization.prepare(model)
    with torch.no_grad():
        prepared(train_x[:1000])
    quantized = torch.ao.quantization.convert(prepared)
    print(f"int8: {accuracy(quantized, test_x, test_y):.2f} %")
    torch.onnx.export(quantized, test_x[:1], out, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})


if __name__ == "__main__":
    main()
