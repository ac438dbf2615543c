#!/usr/bin/env python3
"""Known answers for the DP accountants, computed independently of the TypeScript code with
mpmath at 60 significant digits. Regenerate with: python3 test/vectors/dp-mpmath.py > test/vectors/dp-mpmath.json

- logErfc: log(erfc(x)).
- rdp: RDP of one step of the Poisson-subsampled Gaussian, log(A_alpha)/(alpha-1), with
  A_alpha = E_{z~N(0,s^2)}[((1-q) + q exp((2z-1)/(2 s^2)))^alpha]: the exact binomial sum for
  integer alpha, direct numerical integration for fractional alpha.
- hockeyStick: delta(eps) of one step, remove direction (P = mixture, Q = N(0, s^2)) and add
  direction (P and Q swapped), from the crossing point of the likelihood ratio (found by
  bisection) and Gaussian tail masses.
- gaussianEpsilon: exact eps(delta) of T unsampled Gaussian rounds (mu = sqrt(T)/s), by bisection
  on Balle & Wang's delta(eps) = Phi(-eps/mu + mu/2) - e^eps Phi(-eps/mu - mu/2).
"""
import json
import mpmath as mp

mp.mp.dps = 60


def log_a(q, s, a):
    q, s, a = mp.mpf(q), mp.mpf(s), mp.mpf(a)
    if a == int(a):
        a = int(a)
        return mp.log(mp.fsum(mp.binomial(a, k) * (1 - q) ** (a - k) * q ** k * mp.exp((k * k - k) / (2 * s * s)) for k in range(a + 1)))
    f = lambda z: mp.npdf(z, 0, s) * ((1 - q) + q * mp.exp((2 * z - 1) / (2 * s * s))) ** a
    pts = sorted({-60 * s, -12 * s, 0, mp.mpf(1) / 2, 1, a, a + 12 * s, a + 60 * s})
    return mp.log(mp.quad(f, pts))


def crossing(f, lo, hi):
    """Root of the monotone f on [lo, hi] by bisection to 170 bits."""
    flo = f(lo)
    for _ in range(170):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return (lo + hi) / 2


def hockey(q, s, eps, direction):
    """sup_S P(S) - e^eps Q(S): the set {P > e^eps Q} is a half-line bounded by the point where the
    (monotone) log-likelihood ratio equals eps, found by bisection; its P and Q masses are Gaussian tails."""
    q, s, eps = mp.mpf(q), mp.mpf(s), mp.mpf(eps)
    t = mp.exp(eps)
    llr = lambda x: mp.log((1 - q) + q * mp.exp((2 * x - 1) / (2 * s * s)))  # log(mixture / N(0, s^2)) at x
    if direction == 'remove':
        if q < 1 and eps <= mp.log(1 - q):
            return 1 - t
        x = crossing(lambda x: llr(x) - eps, -mp.mpf(10) ** 4, mp.mpf(10) ** 4)
        p_mass = (1 - q) * mp.ncdf(-x / s) + q * mp.ncdf((1 - x) / s)
        return p_mass - t * mp.ncdf(-x / s)
    if q < 1 and eps >= -mp.log(1 - q):
        return mp.mpf(0)
    x = crossing(lambda x: -llr(x) - eps, -mp.mpf(10) ** 4, mp.mpf(10) ** 4)
    q_mass = (1 - q) * mp.ncdf(x / s) + q * mp.ncdf((x - 1) / s)
    return mp.ncdf(x / s) - t * q_mass


def gauss_eps(mu, d):
    mu, d = mp.mpf(mu), mp.mpf(d)
    delta = lambda e: mp.ncdf(-e / mu + mu / 2) - mp.exp(e) * mp.ncdf(-e / mu - mu / 2)
    lo, hi = mp.mpf(0), mp.mpf(1)
    while delta(hi) > d:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if delta(mid) > d:
            lo = mid
        else:
            hi = mid
    return hi


out = {
    'note': __doc__.strip().splitlines()[0],
    'logErfc': [[x, float(mp.log(mp.erfc(x)))] for x in [-6, -2, -0.5, 0, 1e-6, 0.3, 1, 1.4999, 1.5, 2, 3, 5, 8, 12, 20, 27, 40, 100]],
    'rdp': [],
    'hockeyStick': [],
    'gaussianEpsilon': [],
}
for q in [0.1, 0.01, 0.001, 0.004266666666666667]:
    for s in [0.5, 1.0, 4.0]:
        for a in [1.1, 1.5, 2, 3.7, 7.3, 10.9, 17, 64]:
            out['rdp'].append({'q': q, 'sigma': s, 'order': a, 'rdp': float(log_a(q, s, a) / (a - 1))})
for q, s in [(1, 1.0), (0.1, 0.5), (0.1, 2.0), (0.01, 1.0), (0.001, 4.0)]:
    for eps in [-0.5, -0.001, 0, 0.0005, 0.01, 0.3, 1, 3]:
        for d in ['remove', 'add']:
            out['hockeyStick'].append({'q': q, 'sigma': s, 'epsilon': eps, 'direction': d, 'delta': float(hockey(q, s, eps, d))})
for s, T, d in [(1, 1, 1e-5), (0.5, 10, 1e-5), (2, 100, 1e-6), (4, 1000, 1e-5), (1, 1000, 1e-5), (4, 10000, 1e-6), (0.8, 50, 1e-5), (0.5, 1000, 1e-5)]:
    out['gaussianEpsilon'].append({'sigma': s, 'steps': T, 'delta': d, 'epsilon': float(gauss_eps(mp.sqrt(T) / s, d))})
print(json.dumps(out, indent=1))
