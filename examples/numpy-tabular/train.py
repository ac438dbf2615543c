"""Readmission risk from a hospital's discharge table (CSV), as a Cohort trainer, with numpy only.

A logistic regression on eight columns, trained by mini-batch SGD with the round's epochs,
batch size and learning rate. Its tensors are named and shaped like PyTorch's
nn.Linear(8, 2) ("linear.weight" [2, 8], "linear.bias" [2]), so the federated model loads
into one. Features are scaled with fixed reference values that every site shares.
Usage (by a node daemon): cohort node ... --trainer "python3 train.py --data data/hospital-a.csv"
"""
import argparse

import numpy as np

import cohort_trainer as cohort

FEATURES = ["age", "bmi", "systolic_bp", "glucose", "cholesterol", "smoker", "prior_admissions", "length_of_stay"]
LABEL = "readmitted"
# Reference centre and scale of each feature, agreed by the sites (not computed from one site's data).
CENTRE = np.array([60, 27, 130, 110, 195, 0.2, 1, 6], dtype=np.float32)
SCALE = np.array([15, 5, 18, 30, 35, 0.4, 1, 4], dtype=np.float32)


def load(path, seed=0):
    table = np.genfromtxt(path, delimiter=",", names=True)
    x = (np.column_stack([table[f] for f in FEATURES]).astype(np.float32) - CENTRE) / SCALE
    y = table[LABEL].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    cut = int(0.8 * len(y))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def loss_and_gradients(model, x, y):
    logits = x @ model["linear.weight"].T + model["linear.bias"]
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y] + 1e-12).mean()
    p[np.arange(len(y)), y] -= 1
    return loss, p.T @ x / len(y), p.mean(axis=0), logits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    (x, y), (x_test, y_test) = load(args.data)
    model = {"linear.weight": np.zeros((2, len(FEATURES)), dtype=np.float32), "linear.bias": np.zeros(2, dtype=np.float32)}
    for task in cohort.tasks(model, train_examples=len(y), eval_examples=len(y_test), name="numpy-tabular readmission"):
        if task.evaluate:
            loss, _, _, logits = loss_and_gradients(model, x_test, y_test)
            task.send_evaluation(len(y_test), float((logits.argmax(axis=1) == y_test).mean()), float(loss))
            continue
        rng = np.random.default_rng(task.seed)
        for _ in range(task.epochs):
            order = rng.permutation(len(y))
            losses = []
            for start in range(0, len(y), task.batch_size):
                batch = order[start:start + task.batch_size]
                loss, grad_w, grad_b, _ = loss_and_gradients(model, x[batch], y[batch])
                model["linear.weight"] -= task.learning_rate * grad_w
                model["linear.bias"] -= task.learning_rate * grad_b
                losses.append(loss * len(batch))
        task.send(model, len(y), sum(losses) / len(y))


if __name__ == "__main__":
    main()
