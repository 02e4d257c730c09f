#!/usr/bin/env python3
"""Prints the piecewise polynomial table of Activations32's float GELU (numpy and scipy needed).

The table approximates E(a) = Phi(-a) = erfc(a / sqrt 2) / 2 for a in [0, 6) by one polynomial of
degree DEG per interval of width 6 / NI, in u = a - (interval centre). Each polynomial is a weighted
least-squares fit on Chebyshev nodes of its interval; the weight is the inverse of the error that
GELU may make there, 1e-7 / a + 1e-6 * E(a) (Kernels32Test's sweep asks atol 1e-7, rtol 1e-6 of
the float64 GELU). Then it checks the float32 evaluation (Horner with fused multiply-adds) against
float64 GELU over the same sweep and prints the worst error as a fraction of the tolerance.
"""
import numpy as np
from scipy.special import erfc

NI, DEG, A_MAX = 16, 5, 6.0
W = A_MAX / NI


def tail(a):
    return 0.5 * erfc(a / np.sqrt(2))


def fit():
    coef = np.zeros((NI, DEG + 1))
    nodes = 200
    for i in range(NI):
        u = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes) * W / 2
        a = (i + 0.5) * W + u
        weight = 1 / (1e-7 / np.maximum(a, 1e-3) + 1e-6 * tail(a))
        vander = np.vander(u, DEG + 1, increasing=True)
        coef[i], *_ = np.linalg.lstsq(vander * weight[:, None], tail(a) * weight, rcond=None)
    return coef.astype(np.float32)


def check(c32):
    x = (-12 + 24.0 * np.arange(200001) / 200000).astype(np.float32)
    a = np.minimum(np.abs(x), np.nextafter(np.float32(A_MAX), np.float32(0)))
    idx = np.minimum((a * np.float32(1 / W)).astype(int), NI - 1)
    u = (a - (idx.astype(np.float32) + np.float32(0.5)) * np.float32(W)).astype(np.float32)
    p = c32[idx, DEG]
    for k in range(DEG - 1, -1, -1):
        p = (p.astype(np.float64) * u + c32[idx, k]).astype(np.float32)  # one rounding: an FMA
    phi = np.where(x < 0, p, np.float32(1) - p).astype(np.float32)
    x64 = x.astype(np.float64)
    exact = x64 * np.where(x < 0, tail(-x64), 1 - tail(x64))
    ratio = np.abs((x * phi).astype(np.float32) - exact) / (1e-7 + 1e-6 * np.abs(exact))
    return ratio.max(), x[ratio.argmax()]


c32 = fit()
worst, at = check(c32)
print(f"// {NI} intervals of width {W}, degree {DEG}: worst error {worst:.3f} of the tolerance"
      f" (at x = {at:.4f})")
for k in range(DEG + 1):
    print("{" + ", ".join(repr(float(v)) + "f" for v in c32[:, k]) + "},")
