"""Make the three hospitals' CSV files of this example (synthetic patients; seeded, so the files are reproducible).

Each row is one discharged patient; `readmitted` (1 = back within 30 days) is the label. The
sites differ in their patients (ages, how sick), as real hospitals do.
Usage: python3 make_data.py  (writes data/hospital-{a,b,c}.csv)
"""
import os

import numpy as np

COLUMNS = ["age", "bmi", "systolic_bp", "glucose", "cholesterol", "smoker", "prior_admissions", "length_of_stay", "readmitted"]
SITES = {"hospital-a": (0, 900, 58.0, 0.0), "hospital-b": (1, 700, 66.0, 0.3), "hospital-c": (2, 500, 72.0, 0.6)}


def site(seed, n, mean_age, severity):
    rng = np.random.default_rng(1000 + seed)
    age = np.clip(rng.normal(mean_age, 12, n), 18, 99)
    bmi = np.clip(rng.normal(27 + 2 * severity, 5, n), 15, 55)
    bp = np.clip(rng.normal(128 + 8 * severity, 16, n), 85, 210)
    glucose = np.clip(rng.normal(105 + 15 * severity, 25, n), 60, 300)
    chol = np.clip(rng.normal(195, 35, n), 100, 350)
    smoker = (rng.random(n) < 0.22).astype(float)
    prior = rng.poisson(0.6 + severity, n).astype(float)
    stay = np.clip(rng.gamma(2.0 + severity, 2.2, n), 1, 40).round()
    logit = -4.6 + 0.045 * age + 0.03 * (bmi - 27) + 0.012 * (bp - 128) + 0.01 * (glucose - 105) + 0.6 * smoker + 0.55 * prior + 0.09 * stay
    readmitted = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return np.column_stack([age.round(), bmi.round(1), bp.round(), glucose.round(), chol.round(), smoker, prior, stay, readmitted])


if __name__ == "__main__":
    os.makedirs("data", exist_ok=True)
    for name, (seed, n, mean_age, severity) in SITES.items():
        rows = site(seed, n, mean_age, severity)
        with open(os.path.join("data", name + ".csv"), "w") as f:
            f.write(",".join(COLUMNS) + "\n")
            for r in rows:
                f.write(",".join("%g" % v for v in r) + "\n")
        print("%s: %d patients, %.1f%% readmitted" % (name, len(rows), 100 * rows[:, -1].mean()))
