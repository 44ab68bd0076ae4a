"""The Python entry point of examples/mlproject: the same toy model, logged with MLflow.

`runlog run` (and `mlflow run`) set MLFLOW_RUN_ID, so start_run() continues the project's run.
"""
import argparse

import mlflow

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()

rows = [(0, 1), (1, 3.1), (2, 4.9), (3, 7.2), (4, 8.8), (5, 11.1)]
w = b = 0.0
with mlflow.start_run():
    for epoch in range(args.epochs):
        gw = gb = loss = 0.0
        for x, y in rows:
            err = w * x + b - y
            loss += err * err
            gw += 2 * err * x
            gb += 2 * err
        w -= args.lr / 10 * gw / len(rows)
        b -= args.lr / 10 * gb / len(rows)
        mlflow.log_metric("loss", loss / len(rows), step=epoch)
    mlflow.log_metric("val_loss", sum((w * x + b - y) ** 2 for x, y in rows) / len(rows))
print(f"trained: w={w:.3f} b={b:.3f}")
