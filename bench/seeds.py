"""The default run's report over several seeds: our trained encoder against its untrained encoder, seed by seed.

One run's held-out set is small (26 songs with the default `dataset.limit=100`), so one song moves a measure by 0.038
and one seed cannot say whether training helps. Each seed draws other songs, splits, tokenizer and initial weights;
this script trains one model per seed with the same configuration (the workflow of `script.py`), prints each seed's
row as `ours / untrained` (then `ours / untrained_joined`, the untrained encoder beside the same TF-IDF and melody, when
the runs have one: like for like, what training adds; and `ours / TF-IDF`), the means over the seeds, and on how many
seeds ours is ahead, level or behind.

    python bench/seeds.py                                   # the default configuration, seeds 42 1 2 3
    python bench/seeds.py --set train.max_seq_len=128       # a variant, on the same seeds
    python bench/seeds.py --out runs/seeds                  # again after an interruption: finished seeds are read back

With `--out`, a seed whose run folder holds a finished run of the same configuration (its `report.json`, and a
`config.yaml` equal to this seed's) is read back instead of trained again, and `seeds.json` is written after each seed.
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, json, tempfile, time
import numpy as np
from omegaconf import OmegaConf
from midi_embeddings.evaluate import REPORT_COLUMNS
from midi_embeddings.workflow import load_config, train, validate_config

MEASURES = [key for key in REPORT_COLUMNS if key != 'method']

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', nargs='+', type=int, default=[42, 1, 2, 3])
    p.add_argument('--set', nargs='*', default=[], help='Hydra overrides of configs/config.yaml, the same for every seed')
    p.add_argument('--out', type=Path, default=None, help='folder for the runs (default: a temporary folder)')
    return p.parse_args()

def finished_rows(cfg, run_dir:Path)->list|None:
    "The report rows of a finished run in `run_dir` trained with `cfg`; None if there is none."
    report, config = run_dir / 'report.json', run_dir / 'config.yaml'
    if not (report.is_file() and config.is_file()): return None
    same = OmegaConf.to_container(OmegaConf.load(config), resolve=True) == OmegaConf.to_container(validate_config(cfg), resolve=True)
    return json.loads(report.read_text())['embeddings'] if same else None

def run_seed(seed:int, overrides:list, out:Path)->dict:
    "{'ours': row, 'untrained': row, 'tfidf': row, 'minutes': m} of one training run, and 'untrained_joined' when its report has it (m None when read back from `out`)."
    cfg = load_config('config', [*overrides, f'seed={seed}', f'dataset.tokenizer_path={out}/tokenizer-{seed}.json'])
    if (rows := finished_rows(cfg, out / f'seed-{seed}')) is not None:
        print(f'seed {seed}: a finished run of this configuration read back from {out / f"seed-{seed}"}')
        minutes = None
    else:
        start = time.perf_counter()
        rows = train(cfg, out / f'seed-{seed}')['embeddings']
        minutes = (time.perf_counter() - start) / 60
    rows = {row['method']: row for row in rows}
    return {method: rows[method] for method in ('ours', 'untrained', 'untrained_joined', 'tfidf') if method in rows} | dict(minutes=minutes)

def seeds_table(runs:dict, other:str='untrained')->str:
    "Markdown: one row per seed (ours / `other`), their means, and the seeds where ours is ahead / level / behind."
    cell = lambda ours, theirs: f'{ours:.3f} / {theirs:.3f}'
    lines = ['| seed | ' + ' | '.join(REPORT_COLUMNS[key] for key in MEASURES) + ' |', '|' + '---|' * (len(MEASURES) + 1)]
    for seed, run in runs.items():
        lines.append(f'| {seed} | ' + ' | '.join(cell(run['ours'][key], run[other][key]) for key in MEASURES) + ' |')
    mean = lambda method, key: float(np.mean([run[method][key] for run in runs.values()]))
    lines.append('| mean | ' + ' | '.join(cell(mean('ours', key), mean(other, key)) for key in MEASURES) + ' |')
    def tally(key):
        leads = np.array([run['ours'][key] - run[other][key] for run in runs.values()])
        return f'{(leads > 1e-9).sum()} / {(np.abs(leads) <= 1e-9).sum()} / {(leads < -1e-9).sum()}'
    lines.append('| ahead / level / behind | ' + ' | '.join(tally(key) for key in MEASURES) + ' |')
    return '\n'.join(lines)

def main():
    args = parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix='seeds-'))
    runs = {}
    for seed in args.seeds:
        runs[seed] = run_seed(seed, args.set, out)
        (out / 'seeds.json').write_text(json.dumps({str(seed): run for seed, run in runs.items()}, indent=2))
    for other, what in (('untrained', 'untrained encoder'), ('untrained_joined', 'untrained encoder beside the same TF-IDF and melody'),
                        ('tfidf', 'TF-IDF of the same tokens')):
        if not all(other in run for run in runs.values()): continue  # runs without TF-IDF or melody have no joined row
        print(f'\n{" ".join(args.set) or "configs/config.yaml"}: ours / {what} of the same run\n\n{seeds_table(runs, other)}')
    print('\nminutes per run: ' + ', '.join(f'seed {seed} ' + ('read back' if run['minutes'] is None else f'{run["minutes"]:.1f}') for seed, run in runs.items()))
    print(f'rows written to {out / "seeds.json"}')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
