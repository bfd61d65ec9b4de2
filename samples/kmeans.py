"""One Lloyd iteration of k-means: assign points to the nearest centroid, recompute the
centroids (machine learning / clustering).

Distances by broadcasting (n, 1, d) - (1, k, d), argmin along the centroid axis, then the
usual loop over clusters with a boolean mask.
"""
import numpy as np

DOMAIN = "machine learning (clustering)"
LIMIT = "memory: one pass for the distances and argmin, then one pass over the points per cluster for the masked means"


def kmeans(points, centroids):
    dists = ((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(dists, axis=1)
    new_centroids = np.empty_like(centroids)
    for j in range(centroids.shape[0]):
        new_centroids[j] = points[labels == j].mean(axis=0)
    return labels, new_centroids


def inputs(scale=1.0):
    n = max(64, int(500_000 * scale))
    k, d = 8, 4
    rng = np.random.default_rng(5)
    centers = rng.uniform(-10.0, 10.0, (k, d))
    points = centers[rng.integers(0, k, n)] + rng.normal(0.0, 1.5, (n, d))
    points[:k] = centers                              # no cluster starts empty
    centroids = centers + rng.normal(0.0, 0.5, (k, d))
    return points, centroids
