"""Augmented training windows per second of the loader `fit` trains with, with worker processes against none.

The contrastive objectives (and `dataset.kind=dynamic`) read, augment and tokenize every training window anew. This
script builds a `MIDIDatasetDynamic` over N works of the music21 corpus with a BPE tokenizer learned from them, and
the loader `fit` trains the contrastive objective with (`make_loader`: length-bucketed batches, one seed an item,
`TwoViews` pairs split at a random share), and times epochs of batches with no worker process (the peer: everything
in the training process, as before session 11) and with K, in the same run, interleaved, best of R epochs after one
warm-up epoch each (which starts the persistent workers). It also checks that both give the same batches, id for id.

    python bench/loader.py                                   # 100 composer works, 2 workers, 3 epochs each
    python bench/loader.py --source folk --limit 800 --workers 4
"""
import sys
from pathlib import Path
# bench/tokenize.py, beside this file, shadows the standard library's `tokenize` (which torch imports): drop this folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, tempfile, time
from functools import partial
import torch
from midi_embeddings.corpus import music21_corpus
from midi_embeddings.dataset import MIDIDatasetDynamic
from midi_embeddings.tokenize import load_or_train_tokenizer
from midi_embeddings.train import TwoViews, make_loader

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--source', default='composers', help='music21 label set: composers | folk')
    p.add_argument('--limit', type=int, default=100, help='songs taken from the corpus')
    p.add_argument('--workers', type=int, default=2, help='worker processes of the measured loader')
    p.add_argument('--batch-size', type=int, default=8, help='songs a batch (two views each)')
    p.add_argument('--max-seq-len', type=int, default=256, help='longest window')
    p.add_argument('--rounds', type=int, default=3, help='timed epochs of each loader, after one warm-up epoch')
    return p.parse_args()

def timed_epoch(loader, epoch:int)->tuple[float, list]:
    "(seconds, batches) of one epoch of `loader`, as the Learner runs it."
    loader.batch_sampler.set_epoch(epoch)
    start = time.perf_counter()
    batches = list(loader)
    return time.perf_counter() - start, batches

def same_batches(first:list, second:list)->bool:
    return len(first) == len(second) and all(torch.equal(a['input_ids'], b['input_ids']) for a, b in zip(first, second))

def main():
    args = parse_args()
    songs = music21_corpus(args.source, limit=args.limit, seed=42)
    tokenizer = load_or_train_tokenizer(Path(tempfile.mkdtemp()) / 'tokenizer.json', [s.path for s in songs])
    dataset = MIDIDatasetDynamic(songs, tokenizer, args.max_seq_len)
    loader = partial(make_loader, dataset, True, partial(TwoViews, split_share=(0.25, 0.75)), batch_size=args.batch_size,
                     seed=42, pad_id=tokenizer.pad_token_id)
    loaders = {'in the training process': loader(workers=0), f'{args.workers} workers': loader(workers=args.workers)}
    times, batches = {name: [] for name in loaders}, {}
    for name, each in loaders.items(): timed_epoch(each, 0)  # warm-up: starts the persistent workers
    for epoch in range(1, args.rounds + 1):
        for name, each in loaders.items():
            seconds, batches[name] = timed_epoch(each, epoch)
            times[name].append(seconds)
    windows = sum(len(batch['input_ids']) for batch in batches[next(iter(loaders))]) // 2  # a batch's rows: two views of each window
    tokens = sum(int(batch['attention_mask'].sum()) for batch in batches[next(iter(loaders))])
    print(f'{dataset.n_songs} {args.source} songs, {windows} windows (two views each) and {tokens:,} tokens an epoch, best of {args.rounds} epochs:')
    for name, seconds in times.items():
        print(f'  {name:>24}: {min(seconds):6.2f} s an epoch, {windows / min(seconds):7.1f} windows/s, {tokens / min(seconds):9,.0f} tokens/s')
    base, ours = (min(seconds) for seconds in times.values())
    print(f'{args.workers} workers / in the training process: {base / ours:.2f}x')
    print(f'same batches with and without workers: {same_batches(*batches.values())}')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
