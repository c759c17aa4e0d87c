#!/usr/bin/env python3
"""PyTorch twins of qqp's shipped matching configs, for bench/matching.ts.

Each twin has the layers, sizes and masking of its config (configs/decatt.yaml, esim.yaml,
re2.yaml), trains with Adam and binary cross-entropy on the same encoded pairs qqp trains on
(a file bench/matching.ts writes), and prints one JSON line: training examples/s and the number
of trainable parameters, which bench/matching.ts compares with qqp's model.

Masking, as in qqp: id 0 is padding. It takes no weight in a soft alignment (its logit gets -1e9
before the softmax and its weight is then multiplied by 0), no part in pooling, and the BiLSTMs run
on the real tokens only (packed sequences). qqp pads at the front ("pre"); the twins move each
question's tokens to the front once, before timing, because packed sequences want them there.
Alignment and pooling do not depend on where the padding sits, and a masked Keras LSTM over
front padding equals an LSTM over the real tokens, so the models compute the same function.

Keras' LSTM has one bias vector per gate set, PyTorch's two (b_ih and b_hh): the twins keep b_hh
at zero and frozen, so the trainable parameters match qqp's exactly.

Needs Debian's PyTorch: apt-get install -y python3-torch   (then run with /usr/bin/python3)

usage: torch_matching.py --model decatt|esim|re2 --data FILE --count N --seq-len 20 --vocab V
       [--batch 16] [--warmup 3] [--batches 48] [--threads 1] [--lr 0.001] [--beta1 0.9]
       [--beta2 0.999] [--epsilon 1e-7] [--params-only]
The data file: question1 ids (int32, count x seq-len), question2 ids (same), labels (float32, count),
little-endian, one after another.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

MASKED_LOGIT = -1e9


# ---- layers (shapes: B batch, T time, D features) --------------------------------------------------

def align(a, b, ma, mb, project=None, scale=None):
    """Soft alignment both ways. a [B, Ta, D], b [B, Tb, D], masks [B, T] float 0/1.
    Returns (a~ [B, Ta, D], b~ [B, Tb, D]): sums of the inputs themselves, weighted by softmax
    of e = F(a) F(b)^T, over b's real tokens for a~ and over a's for b~."""
    pa, pb = (a, b) if project is None else (project(a), project(b))
    e = torch.bmm(pa, pb.transpose(1, 2))  # [B, Ta, Tb]
    if scale is not None:
        e = e * scale
    to_a = torch.softmax(e + (1 - mb[:, None, :]) * MASKED_LOGIT, dim=2) * mb[:, None, :]
    to_b = torch.softmax(e + (1 - ma[:, :, None]) * MASKED_LOGIT, dim=1) * ma[:, :, None]
    return torch.bmm(to_a, b), torch.bmm(to_b.transpose(1, 2), a)


def enhance(a, aligned, parts=("input", "aligned", "difference", "product")):
    """Concatenation of the chosen parts of [a, a~, a - a~, a * a~] on the feature axis."""
    made = {"input": a, "aligned": aligned}
    if "difference" in parts:
        made["difference"] = a - aligned
    if "product" in parts:
        made["product"] = a * aligned
    return torch.cat([made[p] for p in parts], dim=-1)


def pool(x, m, mode):
    """[B, T, D] -> [B, D] over the real steps (m [B, T] float 0/1); no real step gives zeros."""
    m3 = m[:, :, None]
    if mode == "sum":
        return (x * m3).sum(1)
    count = m3.sum(1)
    if mode == "mean":
        return (x * m3).sum(1) / count.clamp(min=1)
    return (x + (1 - m3) * MASKED_LOGIT).max(1).values * count.clamp(max=1)


class BiLSTM(nn.Module):
    """Bidirectional LSTM over the real tokens of front-aligned sequences, full sequence out
    ([B, T, 2 * units]; zeros at padding). One bias per gate set, as Keras (b_hh frozen at 0)."""

    def __init__(self, inputs, units):
        super().__init__()
        self.lstm = nn.LSTM(inputs, units, batch_first=True, bidirectional=True)
        for name, p in self.lstm.named_parameters():
            if name.startswith("bias_hh"):
                nn.init.zeros_(p)
                p.requires_grad_(False)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return out


class Head(nn.Module):
    """Dense(units, activation) -> Dropout(0.2) -> Dense(1): the logit (sigmoid is in the loss)."""

    def __init__(self, inputs, units, activation):
        super().__init__()
        self.hidden = nn.Linear(inputs, units)
        self.activation = activation
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(units, 1)

    def forward(self, v):
        return self.out(self.drop(self.activation(self.hidden(v)))).squeeze(1)


def matching_features(v1, v2):
    return torch.cat([v1, v2, (v1 - v2).abs(), v1 * v2], dim=1)


# ---- the twins ---------------------------------------------------------------------------------------

class DecAtt(nn.Module):
    """configs/decatt.yaml: embed 64 -> align (F: Dense 100 relu) -> enhance [a, a~] -> Dense 100
    relu -> sum pool -> [v1, v2, |v1-v2|, v1*v2] -> Dense 100 relu -> Dropout -> Dense 1."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.attend = nn.Linear(64, 100)
        self.compare = nn.Linear(128, 100)
        self.head = Head(400, 100, torch.relu)

    def forward(self, q1, q2, m1, m2, len1, len2):
        a, b = self.embed(q1), self.embed(q2)
        at, bt = align(a, b, m1, m2, project=lambda x: torch.relu(self.attend(x)))
        c1 = torch.relu(self.compare(enhance(a, at, ("input", "aligned"))))
        c2 = torch.relu(self.compare(enhance(b, bt, ("input", "aligned"))))
        return self.head(matching_features(pool(c1, m1, "sum"), pool(c2, m2, "sum")))


class ESIM(nn.Module):
    """configs/esim.yaml: embed 64 -> BiLSTM 64 -> align -> enhance (4 parts) -> Dense 64 relu ->
    BiLSTM 64 -> mean and max pools -> Dense 64 tanh -> Dropout -> Dense 1."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.encode = BiLSTM(64, 64)
        self.project = nn.Linear(512, 64)
        self.compose = BiLSTM(64, 64)
        self.head = Head(512, 64, torch.tanh)

    def forward(self, q1, q2, m1, m2, len1, len2):
        a = self.encode(self.embed(q1), len1)
        b = self.encode(self.embed(q2), len2)
        at, bt = align(a, b, m1, m2)
        c1 = self.compose(torch.relu(self.project(enhance(a, at))), len1)
        c2 = self.compose(torch.relu(self.project(enhance(b, bt))), len2)
        v = torch.cat([pool(c1, m1, "mean"), pool(c1, m1, "max"), pool(c2, m2, "mean"), pool(c2, m2, "max")], 1)
        return self.head(v)


class RE2Block(nn.Module):
    """Encoder (Dense 64 relu) -> [x, enc] -> align (F: Dense 64 relu, learned temperature) ->
    enhance (4 parts) -> fusion (Dense 64 relu)."""

    def __init__(self, inputs):
        super().__init__()
        self.encoder = nn.Linear(inputs, 64)
        width = inputs + 64
        self.attend = nn.Linear(width, 64)
        self.temperature = nn.Parameter(torch.tensor(1 / math.sqrt(64)))
        self.fusion = nn.Linear(4 * width, 64)

    def forward(self, x1, x2, m1, m2):
        a = torch.cat([x1, torch.relu(self.encoder(x1))], -1)
        b = torch.cat([x2, torch.relu(self.encoder(x2))], -1)
        at, bt = align(a, b, m1, m2, project=lambda x: torch.relu(self.attend(x)), scale=self.temperature)
        return torch.relu(self.fusion(enhance(a, at))), torch.relu(self.fusion(enhance(b, bt)))


class RE2(nn.Module):
    """configs/re2.yaml: embed 64 -> block 1 -> augmented residual [embed; out1] -> block 2 -> max
    pool -> [v1, v2, |v1-v2|, v1*v2] -> Dense 64 relu -> Dropout -> Dense 1."""

    def __init__(self, vocab):
        super().__init__()
        self.embed = nn.Embedding(vocab, 64)
        self.block1 = RE2Block(64)
        self.block2 = RE2Block(128)
        self.head = Head(256, 64, torch.relu)

    def forward(self, q1, q2, m1, m2, len1, len2):
        e1, e2 = self.embed(q1), self.embed(q2)
        o1, o2 = self.block1(e1, e2, m1, m2)
        o1, o2 = self.block2(torch.cat([e1, o1], -1), torch.cat([e2, o2], -1), m1, m2)
        return self.head(matching_features(pool(o1, m1, "max"), pool(o2, m2, "max")))


MODELS = {"decatt": DecAtt, "esim": ESIM, "re2": RE2}


# ---- data and timing -------------------------------------------------------------------------------

def read_pairs(path, count, seq_len):
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    ids = count * seq_len
    if len(raw) != 4 * (2 * ids + count):
        raise SystemExit(f"{path}: {len(raw)} bytes, expected {4 * (2 * ids + count)} for {count} pairs of {seq_len}")
    all_ids = torch.frombuffer(raw, dtype=torch.int32, count=2 * ids).view(2, count, seq_len).long()
    labels = torch.frombuffer(raw, dtype=torch.float32, offset=8 * ids, count=count).clone()
    return all_ids[0], all_ids[1], labels


def front_align(ids):
    """Moves each row's real tokens (id != 0) to the front, keeping their order. Returns the ids,
    the mask [N, T] as float 0/1, and the lengths (at least 1: packing refuses empty sequences)."""
    real = ids != 0
    order = torch.argsort((~real).to(torch.int8), dim=1, stable=True)
    moved = torch.gather(ids, 1, order)
    mask = (moved != 0).float()
    return moved, mask, real.sum(1).clamp(min=1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(MODELS), required=True)
    p.add_argument("--data")
    p.add_argument("--count", type=int)
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--vocab", type=int, required=True)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batches", type=int, default=48)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.001)
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--epsilon", type=float, default=1e-7)
    p.add_argument("--params-only", action="store_true", help="print the parameter counts and stop")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = MODELS[a.model](a.vocab)
    trainable = sum(t.numel() for t in model.parameters() if t.requires_grad)
    total = sum(t.numel() for t in model.parameters())
    result = {"impl": f"pytorch {torch.__version__}", "model": a.model, "vocab": a.vocab,
              "trainable_params": trainable, "params": total, "threads": torch.get_num_threads()}
    if a.params_only:
        print(json.dumps(result))
        return
    if a.data is None or a.count is None:
        raise SystemExit("--data and --count are needed to train")

    q1, q2, y = read_pairs(a.data, a.count, a.seq_len)
    steps = a.warmup + a.batches
    if steps * a.batch > a.count:
        raise SystemExit(f"{steps} batches of {a.batch} need {steps * a.batch} pairs; the data has {a.count}")
    n = steps * a.batch
    (q1, m1, len1), (q2, m2, len2) = front_align(q1[:n]), front_align(q2[:n])
    y = y[:n]
    opt = torch.optim.Adam([t for t in model.parameters() if t.requires_grad], lr=a.lr,
                           betas=(a.beta1, a.beta2), eps=a.epsilon)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    losses = []

    def step(i):
        s = slice(i * a.batch, (i + 1) * a.batch)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(q1[s], q2[s], m1[s], m2[s], len1[s], len2[s]), y[s])
        loss.backward()
        opt.step()
        losses.append(loss.item())  # read back each batch, as qqp's trainer does

    for i in range(a.warmup):
        step(i)
    t0 = time.perf_counter()
    for i in range(a.warmup, steps):
        step(i)
    seconds = time.perf_counter() - t0
    timed = a.batches * a.batch
    result.update({"batch": a.batch, "seq_len": a.seq_len, "warmup_batches": a.warmup,
                   "timed_examples": timed, "seconds": round(seconds, 3),
                   "train_examples_per_s": round(timed / seconds, 1),
                   "last_loss": round(losses[-1], 4)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
