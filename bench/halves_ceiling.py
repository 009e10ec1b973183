"""How often can two halves of a folk tune find each other at all? A ceiling for issue 6's halves target (0.9).

The report's halves measure asks the first half of each held-out tune to find its own second half, top-1, among the
second halves of all 656 held-out folk tunes. Song embeddings reach 0.49 there. This script asks what the halves
themselves share, with matchers that compare two halves note by note instead of through one vector per song:

- the melody (the top note at each onset) as n-grams of (pitch, time to the next onset), of pitches alone, and of
  (interval, time to the next onset); two halves score the share of the smaller half's distinct n-grams that the
  other half holds too (a pairwise measure), or the cosine of their binary n-gram vectors (one vector per half, which
  an embedding could hold);
- a pitch-class histogram (the key), the first time signature, and a TF-IDF of plain REMI n-grams;
- weighted sums of these, with the weights chosen on the halves of as many training tunes, then scored once on the
  held-out tunes. One sum uses absolute pitches (key included); the other only what a transposition keeps.

With `--run`, instead, a trained run's own held-out songs, scored as its report scores them (kNN, excerpts, halves,
transposition): the run's song embeddings as `MIDIEmbedder` gives them without their own hashed melody n-grams
(`melody_share=0`; session 27 built those in), alone and beside a binary melody n-gram vector
(unit length, weighted so that a cosine is `1 - share` times the embeddings' plus `share` times the n-grams').

    python bench/halves_ceiling.py                            # about a minute on 2 cores once the folk corpus is converted
    python bench/quality.py --objectives mlm --out runs/folk  # the README's folk model, then:
    python bench/halves_ceiling.py --run runs/folk/mlm        # its embeddings beside melody n-grams
    python bench/halves_ceiling.py --run outputs/DATE/TIME    # the same for a run of script.py
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, itertools, warnings
import numpy as np
from omegaconf import OmegaConf
from scipy import sparse
from sklearn.preprocessing import normalize
from midi_embeddings.corpus import read_midi
from midi_embeddings.embed import MIDIEmbedder
from midi_embeddings.evaluate import knn_hits, retrieval_ranks, song_views, tfidf_embed_fn
from midi_embeddings.tokenize import make_tokenizer
from midi_embeddings.workflow import corpus_splits, load_config, run_splits

FOLK_SETTINGS = ['dataset.source=folk', 'dataset.limit=3300', 'dataset.pitch_intervals=true', 'device=cpu']
NGRAMS = {'pitch+time': (3, 4, 6), 'pitch': (6,), 'interval+time': (4, 6, 8)}

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seed', type=int, default=0, help='which training tunes choose the weights')
    p.add_argument('--run', type=Path, default=None, help="a training run's folder (outputs/DATE/TIME): its embeddings beside melody n-grams, instead of the ceiling")
    return p.parse_args()

def melody(score)->tuple[np.ndarray, np.ndarray]:
    "The top note at each onset of the non-drum tracks: pitches, and the time to the next onset in twelfths of a beat (at most 8 beats)."
    notes = [track.notes.numpy() for track in score.tracks if not track.is_drum and track.note_num()]
    if not notes: return np.zeros(0, np.int64), np.zeros(0, np.int64)
    time = np.concatenate([n['time'] for n in notes]).astype(np.int64)
    pitch = np.concatenate([n['pitch'] for n in notes]).astype(np.int64)
    order = np.lexsort((-pitch, time))
    time, pitch = time[order], pitch[order]
    top = np.r_[True, np.diff(time) > 0]
    time, pitch = time[top], pitch[top]
    return pitch, np.minimum(np.diff(np.r_[time, score.end()]) * 12 // score.ticks_per_quarter, 96)

def symbols(kind:str, pitch:np.ndarray, time:np.ndarray)->list:
    "The melody as a sequence of hashable symbols of one kind."
    if kind == 'pitch+time': return list(zip(pitch.tolist(), time.tolist()))
    if kind == 'pitch': return pitch.tolist()
    return list(zip(np.diff(pitch).tolist(), time[1:].tolist()))

def ngram_sets(sequences:list, n:int, vocabulary:dict)->sparse.csr_matrix:
    "Binary [songs, n-grams] rows: which distinct n-grams each sequence holds (new n-grams are added to `vocabulary`)."
    rows, cols = [], []
    for row, seq in enumerate(sequences):
        grams = {tuple(seq[i:i + n]) for i in range(len(seq) - n + 1)}
        cols += [vocabulary.setdefault(g, len(vocabulary)) for g in grams]
        rows += [row] * len(grams)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sequences), 1 << 24))

def containment(queries:sparse.csr_matrix, keys:sparse.csr_matrix)->np.ndarray:
    "[n, n]: shared distinct n-grams over the smaller count of the two."
    shared = (queries @ keys.T).toarray()
    sizes = np.minimum(np.asarray(queries.sum(1)), np.asarray(keys.sum(1)).T)
    return shared / np.maximum(sizes, 1)

def cosine(queries:sparse.csr_matrix, keys:sparse.csr_matrix)->np.ndarray:
    "[n, n]: cosine similarity of the rows."
    return (normalize(queries) @ normalize(keys).T).toarray()

def pitch_class_histograms(melodies:list)->np.ndarray:
    "Unit rows [n, 12]: each melody's pitch classes weighted by their time to the next onset."
    rows = np.array([np.bincount(p % 12, weights=t, minlength=12) if len(p) else np.zeros(12) for p, t in melodies], float)
    return normalize(rows)

def similarities(first:list, second:list, tfidf)->dict:
    "name -> [n, n] similarity of each first half (row) to each second half (column)."
    melodies = [melody(s) for s in first], [melody(s) for s in second]
    out = {}
    for kind, sizes in NGRAMS.items():
        for n in sizes:
            vocabulary = {}
            sets = [ngram_sets([symbols(kind, p, t) for p, t in halves], n, vocabulary) for halves in melodies]
            out[f'{kind} {n}-grams'] = containment(*sets)
            out[f'{kind} {n}-grams, cosine'] = cosine(*sets)
    out['key'] = pitch_class_histograms(melodies[0]) @ pitch_class_histograms(melodies[1]).T
    signature = [[tuple((ts.numerator, ts.denominator) for ts in s.time_signatures[:1]) for s in halves] for halves in (first, second)]
    out['metre'] = np.array([[float(a == b) for b in signature[1]] for a in signature[0]])
    a, b = normalize(tfidf(first)), normalize(tfidf(second))
    out['TF-IDF'] = np.asarray((a @ b.T).toarray() if sparse.issparse(a) else a @ b.T)
    return out

def combined(sims:dict, weights:dict)->np.ndarray:
    return sum(w * sims[name] for name, w in weights.items() if w)

def scores(similarity:np.ndarray)->tuple:
    "top-1, MRR and top-5 of finding column i for row i (ties count half, as the report counts them)."
    true = np.diag(similarity)[:, None]
    ranks = 1 + (similarity > true + 1e-6).sum(1) + ((np.abs(similarity - true) <= 1e-6).sum(1) - 1) / 2
    return float((ranks == 1).mean()), float((1 / ranks).mean()), float((ranks <= 5).mean())

def best_weights(sims:dict, names:list)->dict:
    "The weights (0, 0.5, 1 or 2 for each of `names`, TF-IDF 1) with the best top-1 on `sims`."
    grid = [dict(zip(names, ws), **{'TF-IDF': 1}) for ws in itertools.product((0, 0.5, 1, 2), repeat=len(names))]
    return max(grid, key=lambda weights: scores(combined(sims, weights))[0])

MELODY_VECTORS = [('interval+time', 4), ('pitch+time', 3)]
VIEWS = ['songs', 'crop_a', 'crop_b', 'first_half', 'second_half', 'transposed']

def run_beside_melody(run_dir:Path):
    "The run's report measures for its embeddings beside each kind of `MELODY_VECTORS`, at shares 0 to 0.5."
    cfg = OmegaConf.load(run_dir / 'config.yaml')
    splits = run_splits(run_dir)
    held_out = splits['validation'] + splits['test']
    labels = np.array([song.label for song in held_out])
    views = song_views([read_midi(song.path) for song in held_out], seed=cfg.seed)
    embedder = MIDIEmbedder.from_pretrained(run_dir / cfg.train.model_name, melody_share=0)  # its own hashed melody left out: the exact one is measured here
    ours = {name: sparse.csr_matrix(embedder.embed(views[name])) for name in VIEWS}
    print(f'\n{run_dir}: {len(held_out)} held-out songs, its embeddings ({embedder.layout}) beside a melody n-gram vector\n')
    print('| melody n-grams | share | kNN | crop top1 | crop MRR | halves top1 | transpose top1 |\n|---|---|---|---|---|---|---|')
    warnings.filterwarnings('ignore', message='.*-fold cross-validation instead of')  # fewer folds where a label has few songs, as in the report
    for kind, n in MELODY_VECTORS:
        vocabulary = {}
        grams = {name: normalize(ngram_sets([symbols(kind, *melody(score)) for score in views[name]], n, vocabulary)) for name in VIEWS}
        for share in (0, 0.2, 0.35, 0.5):
            rows = {name: normalize(sparse.hstack([np.sqrt(1 - share) * ours[name], np.sqrt(share) * grams[name]]).tocsr()) for name in VIEWS}
            ranks = {view: retrieval_ranks(rows[query], rows[key]) for view, query, key in
                     (('crop', 'crop_a', 'crop_b'), ('halves', 'first_half', 'second_half'), ('transpose', 'transposed', 'songs'))}
            knn = knn_hits(rows['songs'], labels, 5, 5, cfg.seed).mean()
            print(f'| {kind} {n}-grams | {share} | {knn:.3f} | {(ranks["crop"] == 1).mean():.3f} | {(1 / ranks["crop"]).mean():.3f} | '
                  f'{(ranks["halves"] == 1).mean():.3f} | {(ranks["transpose"] == 1).mean():.3f} |', flush=True)

def main():
    args = parse_args()
    if args.run: return run_beside_melody(args.run)
    cfg = load_config('config', FOLK_SETTINGS)
    splits = corpus_splits(cfg)
    held_out = [read_midi(s.path) for s in splits['validation'] + splits['test']]
    rng = np.random.default_rng(args.seed)
    train = [read_midi(s.path) for s in splits['train']]
    tuning = [train[i] for i in sorted(rng.choice(len(train), len(held_out), replace=False))]
    tfidf = tfidf_embed_fn(make_tokenizer('REMI', use_pitch_intervals=True), train)
    views = {name: song_views(songs, seed=cfg.seed) for name, songs in (('held-out', held_out), ('tuning', tuning))}
    print(f'{len(held_out)} held-out tunes; the weights are chosen on the halves of {len(tuning)} training tunes')
    sims = {name: similarities(v['first_half'], v['second_half'], tfidf) for name, v in views.items()}
    print('\n| matcher | top-1 | MRR | top-5 |\n|---|---|---|---|')
    for name, similarity in sims['held-out'].items(): print(f'| {name} alone | %.3f | %.3f | %.3f |' % scores(similarity))
    pairwise = [name for name in sims['held-out'] if name.endswith('grams')]
    vectors = [name for name in sims['held-out'] if name.endswith('cosine')]
    for title, names in (('absolute pitches (melody n-grams, key, metre)', [n for n in pairwise if not n.startswith('interval')] + ['key', 'metre']),
                         ('what a transposition keeps (interval n-grams, metre)', [n for n in pairwise if n.startswith('interval')] + ['metre']),
                         ('one vector per half, absolute pitches (n-gram cosines, key)', [n for n in vectors if not n.startswith('interval')] + ['key']),
                         ('one vector per half, what a transposition keeps (interval n-gram cosines)', [n for n in vectors if n.startswith('interval')])):
        weights = best_weights(sims['tuning'], names)
        print(f'| TF-IDF + {title}: ' + ', '.join(f'{n} {w}' for n, w in weights.items() if w and n != 'TF-IDF') +
              ' | %.3f | %.3f | %.3f |' % scores(combined(sims['held-out'], weights)))

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
