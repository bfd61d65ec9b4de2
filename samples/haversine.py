"""Great-circle distances between pairs of points on the Earth (geospatial)."""
import numpy as np

DOMAIN = "geospatial"
LIMIT = "compute: sin, cos, arcsin and sqrt per point, vectorised through libmvec"
NUMEXPR = ("2.0 * 6371.0 * arcsin(sqrt("
           "sin((lat2 - lat1) * 0.017453292519943295 / 2.0) ** 2"
           " + cos(lat1 * 0.017453292519943295) * cos(lat2 * 0.017453292519943295)"
           " * sin((lon2 - lon1) * 0.017453292519943295 / 2.0) ** 2))")
SINGLE_PASS = True


def haversine(lat1, lon1, lat2, lon2):
    lat1 = np.radians(lat1)
    lon1 = np.radians(lon1)
    lat2 = np.radians(lat2)
    lon2 = np.radians(lon2)
    dlat = lat2 - lat1
    dlon = lon2 - lon1
    a = np.sin(dlat / 2.0) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(dlon / 2.0) ** 2
    return 2.0 * 6371.0 * np.arcsin(np.sqrt(a))


def inputs(scale=1.0):
    n = max(16, int(2_000_000 * scale))
    rng = np.random.default_rng(23)
    lat1 = rng.uniform(-90.0, 90.0, n)
    lon1 = rng.uniform(-180.0, 180.0, n)
    lat2 = rng.uniform(-90.0, 90.0, n)
    lon2 = rng.uniform(-180.0, 180.0, n)
    return lat1, lon1, lat2, lon2
