#!/usr/bin/env python3
"""PyTorch twin of a decoder, for the decoder benchmark's ratio (issue 28).

Builds the same network as FeatureInversion's DecoderNetwork from the layers the CLI prints
(`architecture REP --size S --width W --json`), times it on random inputs exactly as
`FeatureInversion.Benchmarks decoders` does (inference: no-grad forward; training: forward, MSE loss, backward,
Adam step; throughput over at least --seconds after two warm-up steps) and prints one table row.
Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3).

  dotnet run --project trainer -c Release -- architecture hog --size 64 --width 0.25 --json > hog.json
  /usr/bin/python3 scripts/decoder-twin.py hog.json --batch 64 --threads 2 --seconds 5
"""
import argparse
import json
import time

import torch
from torch import nn


class Twin(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.spec = spec
        self.slope = spec["leakySlope"]
        self.layers = nn.ModuleDict()
        for l in spec["layers"]:
            if l["kind"] == "Conv":
                m = nn.Conv2d(l["inChannels"], l["outChannels"], l["kernel"], stride=l["stride"], padding=l["padding"])
            elif l["kind"] == "Fc":
                m = nn.Linear(l["inChannels"], l["outChannels"] * l["outSize"] * l["outSize"])
            else:
                m = nn.ConvTranspose2d(l["inChannels"], l["outChannels"], l["kernel"], stride=l["stride"],
                                       padding=l["padding"], output_padding=l["outputPadding"])
            self.layers[l["name"]] = m

    def forward(self, x):
        outputs = {"input": x}
        for l in self.spec["layers"]:
            inputs = [outputs[i] for i in l["inputs"]]
            x = inputs[0] if len(inputs) == 1 else torch.cat(inputs, 1)
            m = self.layers[l["name"]]
            if l["kind"] == "Fc":
                x = m(x.flatten(1)).reshape(-1, l["outChannels"], l["outSize"], l["outSize"])
            else:
                x = m(x)
            if l["activation"]:
                x = nn.functional.leaky_relu(x, self.slope)
            outputs[l["name"]] = x
        return x + 0.5


def throughput(seconds, batch, step):
    step()
    step()  # warm-up: allocator and kernels
    images, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or images < 3 * batch:
        step()
        images += batch
    return images / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("spec", help="JSON from `architecture ... --json`")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--seconds", type=float, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    spec = json.load(open(a.spec))
    torch.manual_seed(0)
    net = Twin(spec)
    parameters = sum(t.numel() for t in net.parameters())
    if parameters != spec["parameters"]:
        raise SystemExit(f"twin has {parameters} parameters, the spec {spec['parameters']}: not the same network")
    size, inp = spec["imageSize"], spec["input"]
    x = torch.randn(a.batch, inp["channels"], inp["rows"], inp["cols"])
    y = torch.rand(a.batch, 3, size, size)

    def infer():
        with torch.no_grad():
            net.eval()
            net(x)

    inference = throughput(a.seconds, a.batch, infer)
    optimizer = torch.optim.Adam(net.parameters(), 1e-3)
    net.train()

    def train():
        optimizer.zero_grad()
        nn.functional.mse_loss(net(x), y).backward()
        optimizer.step()

    training = throughput(a.seconds, a.batch, train)
    print(f"# PyTorch {torch.__version__}, {a.threads} threads, {torch.backends.mkldnn.is_available() and 'mkldnn' or 'no mkldnn'}")
    print(f"| {spec['representation']} | {size}x{size} | {spec['width']} | {parameters:,} | {a.batch} | "
          f"{inference:.1f} | {training:.1f} |")


if __name__ == "__main__":
    main()
