"""Black-Scholes prices of European call and put options (quantitative finance).

Written the way a quant writes it: log, sqrt, exp and a normal CDF. NumPy has no erf, so
the CDF is the Abramowitz & Stegun 26.2.17 polynomial (absolute error < 7.5e-8).
"""
import numpy as np

DOMAIN = "quantitative finance"
LIMIT = "compute: log, exp, sqrt and erf-like terms per option, vectorised through libmvec; one pass"
NUMEXPR_STEPS = [
    ("sq", "v * sqrt(T)"),
    ("d1", "(log(S / K) + (r + 0.5 * v * v) * T) / sq"),
    ("d2", "d1 - sq"),
    ("k1", "1.0 / (1.0 + 0.2316419 * abs(d1))"),
    ("n1", "0.3989422804014327 * exp(-0.5 * d1 * d1) * k1 * (0.319381530 + k1 * (-0.356563782"
           " + k1 * (1.781477937 + k1 * (-1.821255978 + k1 * 1.330274429))))"),
    ("cnd1", "where(d1 > 0, 1.0 - n1, n1)"),
    ("k2", "1.0 / (1.0 + 0.2316419 * abs(d2))"),
    ("n2", "0.3989422804014327 * exp(-0.5 * d2 * d2) * k2 * (0.319381530 + k2 * (-0.356563782"
           " + k2 * (1.781477937 + k2 * (-1.821255978 + k2 * 1.330274429))))"),
    ("cnd2", "where(d2 > 0, 1.0 - n2, n2)"),
    ("disc", "exp(-r * T)"),
    ("call", "S * cnd1 - K * disc * cnd2"),
    ("put", "K * disc * (1.0 - cnd2) - S * (1.0 - cnd1)"),
]
NUMEXPR = NUMEXPR_STEPS          # a list of (name, expression) steps, evaluated in order
NUMEXPR_OUTPUTS = ("call", "put")
SINGLE_PASS = True


def cnd(d):
    """Standard normal CDF, Abramowitz & Stegun 26.2.17."""
    a1, a2, a3, a4, a5 = 0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429
    k = 1.0 / (1.0 + 0.2316419 * np.abs(d))
    poly = k * (a1 + k * (a2 + k * (a3 + k * (a4 + k * a5))))
    n = 0.3989422804014327 * np.exp(-0.5 * d * d) * poly
    return np.where(d > 0, 1.0 - n, n)


def black_scholes(S, K, T, r, v):
    sq = v * np.sqrt(T)
    d1 = (np.log(S / K) + (r + 0.5 * v * v) * T) / sq
    d2 = d1 - sq
    disc = np.exp(-r * T)
    call = S * cnd(d1) - K * disc * cnd(d2)
    put = K * disc * cnd(-d2) - S * cnd(-d1)
    return call, put


def inputs(scale=1.0):
    n = max(16, int(2_000_000 * scale))
    rng = np.random.default_rng(42)
    S = rng.uniform(5.0, 30.0, n)      # spot prices
    K = rng.uniform(1.0, 100.0, n)     # strikes
    T = rng.uniform(0.25, 10.0, n)     # years to expiry
    return S, K, T, 0.02, 0.30         # risk-free rate, volatility
