#!/usr/bin/python3
"""Exports the bundled QDQ example: a small CNN quantized by PyTorch's eager-mode
static quantization (fbgemm: uint8 activations, int8 per-channel weights) and
exported to ONNX as QuantizeLinear/DequantizeLinear around float ops.

Run with Debian's interpreter (python3-torch): /usr/bin/python3 make_torch_qdq.py
Writes torch_qdq_cnn.onnx. make_models.sh runs this, then ONNX Runtime.
"""
import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(16, 16, 3, dilation=2)
        self.relu3 = nn.ReLU()
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.quant(x)
        x = self.pool(self.relu1(self.conv1(x)))
        x = self.relu2(self.conv2(x))
        x = self.relu3(self.conv3(x))
        x = self.fc(self.flatten(self.gap(x)))
        return self.dequant(x)


def main():
    model = SmallCnn().eval()
    model.qconfig = torch.ao.quantization.get_default_qconfig("fbgemm")
    torch.ao.quantization.fuse_modules(
        model, [["conv1", "relu1"], ["conv2", "relu2"], ["conv3", "relu3"]], inplace=True)
    prepared = torch.ao.quantization.prepare(model)
    rng = np.random.default_rng(0)
    calib = torch.from_numpy(rng.random((64, 1, 28, 28), dtype=np.float32))
    prepared(calib)
    quantized = torch.ao.quantization.convert(prepared)
    example = torch.from_numpy(rng.random((1, 1, 28, 28), dtype=np.float32))
    torch.onnx.export(quantized, example, "torch_qdq_cnn.onnx",
                      opset_version=13, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "N"}, "logits": {0: "N"}})


if __name__ == "__main__":
    main()
