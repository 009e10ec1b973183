"""Embedding quality of each training objective against the baselines, on held-out songs of the built-in corpus.

Trains one model per objective with the same config, splits and seed (the workflow of `script.py`), then prints one
markdown table: the TF-IDF and untrained-encoder baselines once (and the untrained encoder beside the same TF-IDF and
melody, when the runs join them), and one row per objective. The README's table comes
from this script.

    python bench/quality.py --objectives mlm                         # folk tunes, the settings of the README table
    python bench/quality.py --objectives contrastive mlm+contrastive --set train.epochs=30   # its contrastive rows
    python bench/quality.py --objectives mlm --overrides dataset.source=composers dataset.limit=null
    python bench/quality.py --objectives mlm --all-tunes            # the same held-out tunes, every other folk tune to learn from
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, json, tempfile, time
from omegaconf import OmegaConf
from midi_embeddings.evaluate import interval_table, report_table
from midi_embeddings.train import OBJECTIVES
from midi_embeddings.workflow import corpus_splits, load_config, load_songs, piece_copies, train

README_SETTINGS = ['dataset.source=folk', 'dataset.limit=3300', 'dataset.pitch_intervals=true', 'train.max_seq_len=512',
                   'train.embed_dim=256', 'train.num_layers=2', 'train.batch_size=64', 'train.epochs=15',
                   'train.learning_rate=0.001', 'train.dropout=0.1', 'device=cpu']

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--objectives', nargs='+', default=list(OBJECTIVES), choices=OBJECTIVES)
    p.add_argument('--overrides', nargs='*', default=README_SETTINGS, help='Hydra overrides shared by every run')
    p.add_argument('--set', nargs='*', default=[], help='more Hydra overrides, applied after --overrides')
    p.add_argument('--out', type=Path, default=None, help='folder for the runs (default: a temporary folder)')
    p.add_argument('--all-tunes', action='store_true',
                   help="train on every song of the source but the held-out ones (those of dataset.limit's subset)")
    return p.parse_args()

def all_tunes_splits(cfg)->dict:
    "The splits of `cfg`'s corpus, with every other song of its source added to training, but for copies of held-out songs."
    splits = corpus_splits(cfg)
    held_out = splits['validation'] + splits['test']
    paths = {str(song.path) for song in held_out}
    others = [song for song in load_songs(OmegaConf.merge(cfg, {'dataset': {'limit': None}})) if str(song.path) not in paths]
    songs = held_out + others
    copies = {index for group in piece_copies([song.path for song in songs], cfg) if group[0] < len(held_out) for index in group}
    return splits | {'train': [song for index, song in enumerate(songs) if index >= len(held_out) and index not in copies]}

def run_objective(objective:str, overrides:list, out:Path, all_tunes:bool)->tuple[list, float]:
    "The report rows of one training run and its minutes."
    run_dir = out / objective.replace('+', '_')
    cfg = load_config('config', [*overrides, f'train.objective={objective}',
                                 f'dataset.tokenizer_path={out}/tokenizer.json'])
    start = time.perf_counter()
    rows = train(cfg, run_dir, all_tunes_splits(cfg) if all_tunes else None)['embeddings']
    return rows, (time.perf_counter() - start) / 60

def main():
    args = parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix='quality-'))
    table, minutes, n_baselines = [], {}, 0
    for objective in args.objectives:
        rows, minutes[objective] = run_objective(objective, [*args.overrides, *args.set], out, args.all_tunes)
        by_method = {row['method']: row for row in rows}
        if not table:  # the baselines, once: TF-IDF, the untrained encoder, and beside TF-IDF and melody when the runs have them
            table += [by_method[method] for method in ('tfidf', 'untrained', 'untrained_joined') if method in by_method]
            n_baselines = len(table)
        table.append(by_method['ours'] | dict(method=f'ours, {objective}'))
        if 'encoder' in by_method: table.append(by_method['encoder'] | dict(method=f'encoder alone, {objective}'))  # ours without its TF-IDF
    print(f'\n{" ".join([*args.overrides, *args.set])}{" (all tunes)" if args.all_tunes else ""}\n\n{report_table(table)}')
    for row in [row for row in table[n_baselines:] if 'differences' in row]:
        print(f'\n95% bootstrap intervals over the held-out songs, and the paired lead of {row["method"]}:\n' + interval_table([row, *table[:n_baselines]]))
    print('\ntraining + report minutes: ' + ', '.join(f'{o} {m:.1f}' for o, m in minutes.items()))
    (out / 'quality.json').write_text(json.dumps(table, indent=2))
    print(f'rows written to {out / "quality.json"}')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
