"""Hand-written numpy forward + backward + SGD steps: the floor a numpy engine can reach.

No autograd, no objects: just the maths of each layer, written as a student would by hand.
"""

from __future__ import annotations

import numpy as np


def _softmax_ce_grad(logits, y):
    """Mean cross-entropy of logits (N, C) with labels y (N,), and d loss / d logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = -np.log(p[np.arange(n), y]).mean()
    p[np.arange(n), y] -= 1
    return loss, p / n


class MLP:
    """784-256-128-10 with ReLU, cross-entropy and plain SGD."""

    def __init__(self, weights, lr=0.01):
        # W1 b1 W2 b2 W3 b3, each W stored (in, out)
        self.params = [w.astype(np.float32).copy() for w in weights]
        self.lr = lr

    def step(self, x, y):
        W1, b1, W2, b2, W3, b3 = self.params
        h1 = np.maximum(x @ W1 + b1, 0)
        h2 = np.maximum(h1 @ W2 + b2, 0)
        loss, g3 = _softmax_ce_grad(h2 @ W3 + b3, y)
        gW3, gb3 = h2.T @ g3, g3.sum(0)
        g2 = (g3 @ W3.T) * (h2 > 0)
        gW2, gb2 = h1.T @ g2, g2.sum(0)
        g1 = (g2 @ W2.T) * (h1 > 0)
        gW1, gb1 = x.T @ g1, g1.sum(0)
        for p, g in zip(self.params, (gW1, gb1, gW2, gb2, gW3, gb3)):
            p -= self.lr * g
        return loss


def _im2col(x, k, pad):
    """(N, C, H, W) -> (N, C*k*k, Ho*Wo), channel-major so the weight matmul needs no transpose."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, w = x.shape
    ho, wo = h - k + 1, w - k + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # N C Ho Wo k k
    cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * k * k, ho * wo)
    return cols, (ho, wo), x.shape


def _col2im(gcols, xshape, k, pad):
    """Inverse of _im2col for gradients: add each kernel offset's slab back (no np.add.at)."""
    n, c, h, w = xshape
    ho, wo = h - k + 1, w - k + 1
    g = gcols.reshape(n, c, k, k, ho, wo)
    gx = np.zeros(xshape, dtype=gcols.dtype)
    for i in range(k):
        for j in range(k):
            gx[:, :, i : i + ho, j : j + wo] += g[:, :, i, j]
    return gx[:, :, pad : h - pad, pad : w - pad] if pad else gx


def _conv_fwd(x, W, b, pad):
    cols, (ho, wo), xshape = _im2col(x, W.shape[2], pad)
    out = np.matmul(W.reshape(W.shape[0], -1), cols) + b[:, None]  # (N, F, Ho*Wo)
    return out.reshape(x.shape[0], W.shape[0], ho, wo), (cols, xshape)


def _conv_bwd(g, W, cache, pad):
    cols, xshape = cache
    n, f = g.shape[:2]
    g2 = g.reshape(n, f, -1)
    gW = np.einsum("nfp,nkp->fk", g2, cols, optimize=True).reshape(W.shape)
    gb = g2.sum(axis=(0, 2))
    gcols = np.matmul(W.reshape(f, -1).T, g2)
    return _col2im(gcols, xshape, W.shape[2], pad), gW, gb


def _pool_fwd(x):
    """2x2 max-pool as the max of the four stride-2 slices (fast), remembering the winners."""
    a, b, c, d = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2], x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
    out = np.maximum(np.maximum(a, b), np.maximum(c, d))
    return out, (a, b, c, d, out)


def _pool_bwd(g, cache, shape):
    a, b, c, d, out = cache
    gx = np.zeros(shape, dtype=g.dtype)
    taken = np.zeros(out.shape, dtype=bool)
    for (di, dj), s in zip(((0, 0), (0, 1), (1, 0), (1, 1)), (a, b, c, d)):
        win = (s == out) & ~taken  # the first winner takes the gradient, as torch does
        taken |= win
        gx[:, :, di::2, dj::2] = g * win
    return gx


class LeNet5:
    """conv(1→6, 5, pad 2) relu pool conv(6→16, 5) relu pool fc 400→120→84→10, CE, SGD."""

    def __init__(self, weights, lr=0.01):
        self.params = [w.astype(np.float32).copy() for w in weights]
        self.lr = lr

    def step(self, x, y):
        C1, c1, C2, c2, W1, b1, W2, b2, W3, b3 = self.params
        a1, k1 = _conv_fwd(x, C1, c1, 2)
        r1 = np.maximum(a1, 0)
        p1, q1 = _pool_fwd(r1)
        a2, k2 = _conv_fwd(p1, C2, c2, 0)
        r2 = np.maximum(a2, 0)
        p2, q2 = _pool_fwd(r2)
        f = p2.reshape(x.shape[0], -1)
        h1 = np.maximum(f @ W1 + b1, 0)
        h2 = np.maximum(h1 @ W2 + b2, 0)
        loss, g = _softmax_ce_grad(h2 @ W3 + b3, y)
        gW3, gb3 = h2.T @ g, g.sum(0)
        g = (g @ W3.T) * (h2 > 0)
        gW2, gb2 = h1.T @ g, g.sum(0)
        g = (g @ W2.T) * (h1 > 0)
        gW1, gb1 = f.T @ g, g.sum(0)
        g = (g @ W1.T).reshape(p2.shape)
        g = _pool_bwd(g, q2, r2.shape) * (a2 > 0)
        g, gC2, gc2 = _conv_bwd(g, C2, k2, 0)
        g = _pool_bwd(g, q1, r1.shape) * (a1 > 0)
        _, gC1, gc1 = _conv_bwd(g, C1, k1, 2)
        grads = (gC1, gc1, gC2, gc2, gW1, gb1, gW2, gb2, gW3, gb3)
        for p, gr in zip(self.params, grads):
            p -= self.lr * gr
        return loss
