"""Query time and recall of the approximate index (`build_index`) against the exact chunked search, on a million rows.

Rows: a collection file of real song embeddings (`midi-embeddings embed MODEL FOLDER --out songs.npz`) is grown to
`--n` rows drawn from a Gaussian with the real rows' mean and covariance, then L2-normalised, so the big collection is
spread as the songs are; the worst case, `--n` rows uniform on the sphere, is measured too. Queries are fresh draws
from the same distribution, not rows of the collection. The peer is `exact_search` (what `search` does by default) on
the same rows and queries in the same run; recall@k is the share of the exact top k that the index returns. The real
rows alone (every song asking for its k nearest others) give the recall on the songs themselves.

    midi-embeddings embed outputs/DATE/TIME/embed_model ~/.cache/midi_embeddings/music21-v2/$(python -c "import music21; print(music21.__version__)") --out songs.npz
    python bench/search.py songs.npz                  # 1,000,000 rows, 100 queries, k=10
    python bench/search.py songs.npz --n 200000 --probes 4 16 64
"""
import sys
from pathlib import Path
# bench/tokenize.py, beside this file, shadows the standard library's `tokenize` (which torch imports): drop this folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, statistics, time
import numpy as np
from midi_embeddings.embed import build_index, exact_search, load_collection

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('collection', type=Path, help='a collection file of real song embeddings (.npz)')
    p.add_argument('--n', type=int, default=1_000_000, help='rows of the big collection')
    p.add_argument('--queries', type=int, default=100, help='queries per measurement')
    p.add_argument('--k', type=int, default=10, help='neighbours per query')
    p.add_argument('--probes', type=int, nargs='*', default=[], help='probes to measure besides the default')
    p.add_argument('--repeats', type=int, default=3, help='timed repeats; the median is printed')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()

def unit(rows:np.ndarray)->np.ndarray: return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)

def like_songs(real:np.ndarray, n:int, rng)->np.ndarray:
    "n unit rows from a Gaussian with the mean and covariance of `real`, drawn in blocks to bound memory."
    mean, cov = real.mean(0), np.cov(real, rowvar=False) + 1e-6 * np.eye(real.shape[1])
    factor = np.linalg.cholesky(cov).astype(np.float32)
    return np.concatenate([unit(mean + rng.standard_normal((min(65536, n - start), len(mean)), dtype=np.float32) @ factor.T)
                           for start in range(0, n, 65536)])

def uniform(n:int, dim:int, rng)->np.ndarray:
    return np.concatenate([unit(rng.standard_normal((min(65536, n - start), dim), dtype=np.float32)) for start in range(0, n, 65536)])

def timed(fn, repeats:int)->tuple:
    "(median seconds, last result) of `repeats` calls."
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); result = fn(); times.append(time.perf_counter() - start)
    return statistics.median(times), result

def recall(found:np.ndarray, exact:np.ndarray)->float:
    return float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, exact)]))

def measure(name:str, rows:np.ndarray, queries:np.ndarray, args)->list[str]:
    "Table lines: exact peer, then the index at its default probes and at `args.probes`."
    print(f'{name}: {len(rows):,} x {rows.shape[1]} rows, {len(queries)} queries', file=sys.stderr)
    exact_s, (exact_ids, _) = timed(lambda: exact_search(queries, rows, args.k), args.repeats)
    one_exact_s, _ = timed(lambda: exact_search(queries[:1], rows, args.k), args.repeats)
    start = time.perf_counter(); index = build_index(rows, seed=args.seed); build_s = time.perf_counter() - start
    lines = [f'| {name} | exact (peer) | | {one_exact_s * 1e3:.2f} | {exact_s:.3f} | 1.00x | 1.000 | |']
    for probes in [index.nprobe, *[p for p in args.probes if p != index.nprobe]]:
        index.nprobe = probes
        index_s, (_, ids) = timed(lambda: index.search(queries, args.k), args.repeats)
        one_s, _ = timed(lambda: index.search(queries[:1], args.k), args.repeats)
        lines.append(f'| {name} | {index.nlist} cells, {probes} probes | {build_s:.1f} | {one_s * 1e3:.2f} | {index_s:.3f} '
                     f'| {exact_s / index_s:.1f}x | {recall(ids, exact_ids):.3f} | {(rows.nbytes + index.nlist * rows.shape[1] * 4) / 2**20:,.0f} MiB |')
    return lines

def main():
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    real = load_collection(args.collection)['embeddings']
    header = ['| rows | search | build s | 1 query ms | queries s | speed vs exact | recall@k | index memory |', '|---|---|---|---|---|---|---|---|']
    lines = measure(f'{len(real):,} real songs', real, real[rng.choice(len(real), min(args.queries, len(real)), replace=False)], args)
    lines += measure(f'{args.n:,} like the songs', like_songs(real, args.n, rng), like_songs(real, args.queries, rng), args)
    lines += measure(f'{args.n:,} uniform', uniform(args.n, real.shape[1], rng), uniform(args.queries, real.shape[1], rng), args)
    print(f'\n{args.collection}: k={args.k}, {args.queries} queries, medians of {args.repeats}\n')
    print('\n'.join(header + lines))

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
