#!/usr/bin/env python3
"""Reference accuracies on the GTZAN feature table, for the model card.

Every number is 10-fold cross-validation stratified by genre (one table row is one
track, so folds are grouped by track), repeated with shuffle seeds 0..R-1, printed
as mean +- sd over the repeats. "nested" rows tune their hyperparameters with a
5-fold grid search inside each outer training set, so the outer test folds are
never seen while tuning; "plain" rows use one fixed setting (for the tuned ones:
the best setting of the grid chosen on all 1000 rows, so they are optimistic).

    pip install scikit-learn==1.9.1 numpy
    python3 models/reference_classifiers.py [--repeats 3]

Takes about 15 minutes on 2 cores.
"""

import argparse
import csv
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.decomposition import PCA
from sklearn.preprocessing import PowerTransformer, QuantileTransformer, StandardScaler
from sklearn.svm import SVC

PINNED = "1.9.1"
TABLE = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..", "..", "shared", "data", "gtzan", "features_30_sec.csv",
)


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    # filename, length, 57 features, label
    x = np.array([[float(v) for v in r[2:-1]] for r in rows[1:]])
    y = np.array([r[-1] for r in rows[1:]])
    return x, y


def knn(k=5, weights="distance"):
    return KNeighborsClassifier(n_neighbors=k, weights=weights)


def inner(estimator, grid):
    return GridSearchCV(estimator, grid, cv=StratifiedKFold(5, shuffle=True, random_state=1))


def models():
    k_grid = {"kneighborsclassifier__n_neighbors": [5, 10, 15, 20, 30],
              "kneighborsclassifier__weights": ["uniform", "distance"]}
    yield "plain", "KNN k=5 distance, standardised", make_pipeline(StandardScaler(), knn())
    yield "nested", "KNN, k and weights tuned", inner(make_pipeline(StandardScaler(), knn()), k_grid)
    yield "plain", "quantile transform (normal) + KNN k=5", make_pipeline(
        QuantileTransformer(n_quantiles=200, output_distribution="normal"), knn())
    yield "plain", "Yeo-Johnson transform + KNN k=5", make_pipeline(PowerTransformer(), knn())
    yield "plain", "PCA whitened to 30 components + KNN k=5", make_pipeline(
        PowerTransformer(), PCA(n_components=30, whiten=True), knn())
    yield "plain", "NCA metric + KNN k=10", make_pipeline(
        StandardScaler(), NeighborhoodComponentsAnalysis(random_state=0), knn(10))
    yield "plain", "shrinkage LDA projection + KNN k=15", make_pipeline(
        StandardScaler(), LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto"), knn(15))
    yield "nested", "shrinkage LDA projection + KNN, k and weights tuned", inner(make_pipeline(
        StandardScaler(), LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto"), knn()), k_grid)
    yield "plain", "SVM RBF C=1 (default)", make_pipeline(StandardScaler(), SVC())
    yield "plain", "SVM RBF C=3 (best C of 1, 3, 10 on all rows)", make_pipeline(StandardScaler(), SVC(C=3))
    yield "nested", "SVM RBF, C and gamma tuned", inner(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": [1, 3, 10], "svc__gamma": ["scale", 0.01, 0.03]})
    yield "plain", "MLP 256 hidden, alpha=1", make_pipeline(
        StandardScaler(), MLPClassifier((256,), alpha=1.0, max_iter=2000, random_state=0))
    yield "plain", "gradient boosting (HistGradientBoosting)", HistGradientBoostingClassifier(random_state=0)
    yield "plain", "extra trees, 500", ExtraTreesClassifier(500, random_state=0, n_jobs=2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--table", default=TABLE)
    args = ap.parse_args()
    if sklearn.__version__ != PINNED:
        print(f"warning: scikit-learn {sklearn.__version__}, numbers were made with {PINNED}",
              file=sys.stderr)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y = load(args.table)
    print(f"{len(y)} rows, {x.shape[1]} features, scikit-learn {sklearn.__version__}")
    print(f"{'accuracy %':>14}  {'':6}  model")
    for kind, name, model in models():
        accs = [cross_val_score(model, x, y, cv=StratifiedKFold(10, shuffle=True, random_state=s)).mean()
                for s in range(args.repeats)]
        print(f"{100 * np.mean(accs):6.1f} +- {100 * np.std(accs):3.1f}  {kind:6}  {name}", flush=True)


if __name__ == "__main__":
    main()
