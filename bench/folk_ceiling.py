"""How far classifiers trained WITH the region labels get on the folk tunes: the ceiling for issue 6's kNN target.

Issue 6 asks an unsupervised song embedding for a 5-fold kNN accuracy of 0.85 on the folk regions. This script
measures supervised classifiers on the same held-out tunes, trained on the labels of the 2,640 training tunes (4 to 5
times the data a fold of the report's probes sees):

- logistic regression (C chosen by 5-fold cross-validation on the training tunes) on TF-IDF vectors of plain REMI
  token n-grams (no BPE), with absolute pitches and with intervals;
- the same on a trained model's song embeddings;
- that model fine-tuned end to end as a region classifier (a linear head on its mean-pooled states; the last epoch
  counts, none is picked on the held-out tunes);

and, for reference, the report's kNN on the model's embeddings, with its accuracy on each region. It always holds out
the folk table's 656 tunes, and warns when the run given trained on some of them (another seed or `dataset.limit`).

    python bench/quality.py --objectives mlm --out runs/folk     # trains the folk model the README's table reports
    python bench/folk_ceiling.py runs/folk
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, warnings
import numpy as np, torch, torch.nn.functional as F
from scipy import sparse
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from midi_embeddings.corpus import read_midi
from midi_embeddings.dataset import collate_windows
from midi_embeddings.embed import MIDIEmbedder
from midi_embeddings.evaluate import knn_hits, tfidf_embed_fn
from midi_embeddings.tokenize import encode_score, make_tokenizer
from midi_embeddings.workflow import corpus_splits, load_config, trained_on

FOLK_SETTINGS = ['dataset.source=folk', 'dataset.limit=3300', 'dataset.pitch_intervals=true', 'device=cpu']

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path, help='the --out folder of `bench/quality.py --objectives mlm` (holds mlm/embed_model)')
    p.add_argument('--epochs', type=int, default=8, help='epochs of the fine-tuned classifier')
    p.add_argument('--learning-rate', type=float, default=1e-4)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()

def probe_accuracy(train_x, train_y, test_x, test_y)->float:
    "Held-out accuracy of a logistic regression on standardised rows (as the report's probe), C chosen by 5-fold cross-validation on the training rows."
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)  # scikit-learn 1.8's notices of changing defaults; accuracy picks C, as it always did here
        scaler = StandardScaler(with_mean=not sparse.issparse(train_x))  # sparse TF-IDF: scaled, not centred (centring would make it dense)
        probe = make_pipeline(scaler, LogisticRegressionCV(Cs=[0.1, 1, 10, 100], cv=5, max_iter=3000, scoring='accuracy'))
        probe.fit(train_x, train_y)  # standardised since session 31: unit rows' small values are flattened by the regularisation
    return float((probe.predict(test_x) == test_y).mean())

def padded_batches(song_ids:list, labels:np.ndarray, batch_size:int, order:np.ndarray, pad_id:int):
    "(ids [B, T], mask [B, T], labels [B]) batches of whole songs, in `order`."
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        batch = collate_windows([dict(input_ids=torch.as_tensor(song_ids[i]), song_idx=i) for i in rows], pad_id)
        yield batch['input_ids'], batch['attention_mask'], torch.as_tensor(labels[rows])

def region_logits(model, head, ids, mask):
    "Region logits from the mean of each song's real positions' final states."
    with torch.autocast('cpu', torch.bfloat16):
        hidden = model.hidden_states(ids, mask)
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        return head((hidden * weights).sum(1) / weights.sum(1)).float()

def fine_tuned_accuracy(embedder:MIDIEmbedder, train_songs, train_y, test_songs, test_y, epochs:int, lr:float, seed:int)->list:
    "Held-out accuracy after each epoch of training the model and a linear head on the labels (songs cut to one window)."
    torch.manual_seed(seed)
    model, rng = embedder.model.float(), np.random.default_rng(seed)
    cut = lambda songs: [encode_score(embedder.tokenizer, read_midi(s.path))[:model.cfg.max_seq_len] for s in songs]
    train_ids, test_ids = cut(train_songs), cut(test_songs)
    head = torch.nn.Linear(model.cfg.embed_dim, int(train_y.max()) + 1)
    opt = torch.optim.AdamW([*model.parameters(), *head.parameters()], lr=lr, weight_decay=0.01)
    accuracies = []
    for epoch in range(epochs):
        model.train()
        for ids, mask, y in padded_batches(train_ids, train_y, 32, rng.permutation(len(train_ids)), model.cfg.pad_id):
            loss = F.cross_entropy(region_logits(model, head, ids, mask), y)
            opt.zero_grad(); loss.backward(); opt.step()
        model.eval()
        with torch.no_grad():
            hits = [region_logits(model, head, ids, mask).argmax(-1) == y
                    for ids, mask, y in padded_batches(test_ids, test_y, 64, np.arange(len(test_ids)), model.cfg.pad_id)]
        accuracies.append(float(torch.cat(hits).float().mean()))
        print(f'  fine-tuned classifier, epoch {epoch + 1}: {accuracies[-1]:.3f}', flush=True)
    return accuracies

def main():
    args = parse_args()
    cfg = load_config('config', [*FOLK_SETTINGS, f'dataset.tokenizer_path={args.run}/tokenizer.json'])
    splits = corpus_splits(cfg)
    train_songs, test_songs = splits['train'], splits['validation'] + splits['test']
    regions = sorted({s.label for s in train_songs})
    train_y, test_y = (np.array([regions.index(s.label) for s in songs]) for songs in (train_songs, test_songs))
    train_scores, test_scores = [read_midi(s.path) for s in train_songs], [read_midi(s.path) for s in test_songs]
    print(f'{len(train_songs)} training tunes, {len(test_songs)} held out, regions {regions}')
    if seen := trained_on(args.run / 'mlm' / 'embed_model', [s.path for s in test_songs]):
        print(f'warning: {len(seen)} of the {len(test_songs)} held-out tunes were training tunes of {args.run}/mlm: this script holds out '
              "the folk table's tunes (the README's `bench/quality.py --objectives mlm` run); its rows on that model say too much", file=sys.stderr)
    rows = []
    for pitches, tokenizer in [('absolute pitches', make_tokenizer('REMI')),
                               ('intervals', make_tokenizer('REMI', use_pitch_intervals=True))]:
        for ngrams in [(1, 2), (1, 4)]:
            embed = tfidf_embed_fn(tokenizer, train_scores, ngrams)
            rows.append((f'logistic regression on TF-IDF of plain REMI {ngrams[0]}- to {ngrams[1]}-grams, {pitches}',
                         probe_accuracy(embed(train_scores), train_y, embed(test_scores), test_y)))
            print(f'  {rows[-1][0]}: {rows[-1][1]:.3f}', flush=True)
    embedder = MIDIEmbedder.from_pretrained(args.run / 'mlm' / 'embed_model')
    train_e, test_e = (embedder.embed([s.path for s in songs]) for songs in (train_songs, test_songs))
    rows.append(('logistic regression on the mlm model\'s embeddings', probe_accuracy(train_e, train_y, test_e, test_y)))
    knn = knn_hits(test_e, test_y, k=5, folds=5, seed=cfg.seed)
    tuned = fine_tuned_accuracy(embedder, train_songs, train_y, test_songs, test_y, args.epochs, args.learning_rate, args.seed)
    rows.append((f'the mlm model fine-tuned as a classifier, {args.epochs} epochs', tuned[-1]))
    print(f'\n| trained on the labels of the {len(train_songs)} training tunes | held-out accuracy |\n|---|---|')
    for name, accuracy in rows: print(f'| {name} | {accuracy:.3f} |')
    print(f'\nfor reference, the report\'s 5-fold kNN (k=5) on the mlm model\'s embeddings, no labels in training: '
          f'{knn.mean():.3f}; by region: ' + ', '.join(f'{r} {knn[test_y == i].mean():.3f}' for i, r in enumerate(regions)))

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
