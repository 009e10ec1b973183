"""Songs per second of `midi-embeddings embed`'s code path against a plain one-song-at-a-time loop, and its peak memory at N and 10N songs.

`midi-embeddings embed` calls `embed_collection`: files are read and tokenized in worker processes, and the model
embeds them `chunk_size` songs at a time, windows batched across songs, under bf16 autocast where the hardware has
bf16 (`--precision auto`, the default) or in fp32, and each row is put beside the song's token TF-IDF and melody n-grams when
the checkpoint holds them (`train.tfidf_share`, `train.melody_share`, on by default); both precisions are measured, with how far their rows differ. The peer,
measured in the same run on the same files with the same model, reads, tokenizes and embeds one song at a time in
one process in fp32, and its time is split between the three stages. Starting the worker processes (once per
process) is timed apart and counted against ours. Memory: the peak RSS of a whole `midi-embeddings embed` run, summed over its process
and its workers (model loading and the written file included), on N songs and on 10N different songs (the N are every
tenth of the 10N, so that both hold the same composers and sizes of song), each in a fresh process, in chunks of N songs, `--memory-repeats` times at each size (3; the sizes
alternating), medians compared; the target is a flat peak, about 1.0x. The sum of each process's own peak counts pages
shared between processes in each and adds peaks reached at different times, alike at both sizes; the main process's
own peak is printed beside it. One run's main process varies by up to 100 MiB from the next. Its resident memory after its
first chunk and after its last is printed too: what it keeps from chunk to chunk, apart from each chunk's momentary peak. Until session 32 the 10N
were the N files copied ten times, which makes the same model batches in every chunk but leaves out what new songs
cost (until session 33 the tokenizer's cache of BPE words grew with the songs it met).
Start-up: the wall time of embedding one file from the shell, in fresh processes, `--startup-repeats` times each (the
two alternating), medians compared: `python -m midi_embeddings embed` (the console script's code: the worker server
starts as soon as the arguments are parsed, and imports while the command does) against the peer, a plain script that
loads the model and embeds the file in its own process (`MIDIEmbedder.embed`: no workers, no file written).

    python bench/embed.py                               # 60 composer works; untrained encoder of configs/config.yaml's shape; CPU
    python bench/embed.py --model outputs/DATE/TIME/embed_model --device cuda --limit 800 --memory-n 150
    python bench/embed.py --source folk --memory-n 16 --memory-scale 100   # 16 tunes against 1,600
"""
import sys
from pathlib import Path
# bench/tokenize.py, beside this file, shadows the standard library's `tokenize` (which torch imports): drop this folder.
BENCH_DIR = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0]).resolve() == BENCH_DIR: sys.path.pop(0)
import argparse, importlib.util, json, os, shutil, subprocess, tempfile, threading, time
import numpy as np
import torch
from midi_embeddings.cli import main as cli_main
from midi_embeddings.corpus import music21_corpus, read_midi, safe_map
from midi_embeddings.embed import MIDIEmbedder, _SongReader, embed_collection
from midi_embeddings.evaluate import MelodyNgrams, TokenTfidf
from midi_embeddings.tokenize import encode_score, load_or_train_tokenizer
from midi_embeddings.train import save_checkpoint, set_seed, use_bf16
from midi_embeddings.transformer import EncoderConfig, MIDITransformerEncoder, embed_songs
from midi_embeddings.workflow import load_config

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--limit', type=int, default=60, help='songs taken from the music21 corpus for the speed test')
    p.add_argument('--source', default='composers', help='music21 label set: composers | folk')
    p.add_argument('--model', type=Path, help='a checkpoint directory; default: an untrained encoder of the default shape')
    p.add_argument('--device', default='cpu', help='cpu | cuda')
    p.add_argument('--workers', type=int, default=2, help='worker processes reading and tokenizing')
    p.add_argument('--batch-size', type=int, default=16, help='windows per forward pass, both sides')
    p.add_argument('--chunk-size', type=int, default=256, help='songs embedded together by embed_files')
    p.add_argument('--memory-n', type=int, default=16, help='N of the memory test (N and 10N different songs, chunks of N)')
    p.add_argument('--memory-scale', type=int, default=10, help="the larger run's songs, as a multiple of N (10: the issue's 10x)")
    p.add_argument('--memory-precision', default='auto', choices=['auto', 'bf16', 'fp32'], help="the memory runs' --precision")
    p.add_argument('--memory-repeats', type=int, default=3, help='runs at each size, alternating; medians compared (one run varies by up to 100 MiB)')
    p.add_argument('--startup-repeats', type=int, default=3, help='runs of each way of embedding one file from the shell; medians compared; 0: not measured')
    p.add_argument('--memory-run', type=Path, help=argparse.SUPPRESS)  # internal: one measured `embed` run on this folder
    return p.parse_args()

def _tokenize_bench():
    "bench/tokenize.py as a module, for its /proc process-tree walk."
    spec = importlib.util.spec_from_file_location('tokenize_bench', BENCH_DIR / 'tokenize.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

class PeakRSS:
    """Sum over this process and its descendants of each one's peak RSS (VmHWM, which the kernel keeps), from /proc.

    Exact per process, unlike sampling the current size: a sampler catches short peaks by luck, more often in a longer
    run. Pages shared between processes are counted in each, alike at N and 10N."""
    def __init__(self, interval:float=0.1): self.interval, self.stop_event, self.peaks = interval, threading.Event(), {}
    def sample(self):
        parents, tree = self.tree_walk._children(), {os.getpid()}
        for _ in range(3): tree |= {pid for pid, parent in parents.items() if parent in tree}
        for pid in tree:
            try: status = Path(f'/proc/{pid}/status').read_text()
            except OSError: continue
            peak = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith('VmHWM:')), 0)
            self.peaks[pid] = max(self.peaks.get(pid, 0), peak)
    def run(self):
        while not self.stop_event.wait(self.interval): self.sample()
    def __enter__(self):
        self.tree_walk = _tokenize_bench()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self
    def __exit__(self, *exc):
        self.stop_event.set(); self.thread.join(); self.sample()
    @property
    def total(self)->float: return sum(self.peaks.values())

def make_model(files:list, folder:Path)->Path:
    "An untrained encoder of configs/config.yaml's shape with a BPE tokenizer and a token TF-IDF learned on 50 of `files`, and melody n-grams (as training keeps them), saved as a checkpoint."
    cfg = load_config()
    tokenizer = load_or_train_tokenizer(folder / 'tokenizer.json', files[:50], vocab_size=cfg.dataset.vocab_size, workers=2)
    set_seed(0)
    shape = {key: cfg.train[key] for key in ('max_seq_len', 'embed_dim', 'nhead', 'num_layers')}
    model = MIDITransformerEncoder(EncoderConfig(vocab_size=len(tokenizer), pad_id=tokenizer.pad_token_id, **shape))
    tfidf = (TokenTfidf.fit([encode_score(tokenizer, read_midi(path)) for path in files[:50]], dims=cfg.train.tfidf_dims,
                            share=cfg.train.tfidf_share) if cfg.train.tfidf_share else None)
    melody = MelodyNgrams(tokenizer, cfg.train.melody_ngram, cfg.train.melody_dims, cfg.train.melody_share) if cfg.train.melody_share else None
    return save_checkpoint(folder / 'model', model, tokenizer, tfidf=tfidf, melody=melody)

def plain_loop(model, tokenizer, sides:list, files:list, batch_size:int)->dict:
    "Read, tokenize and embed one song at a time in this process (the encoder's row beside each of `sides`, the song's TF-IDF and melody); seconds spent in each stage."
    seconds, window = dict(read=0.0, tokenize=0.0, model=0.0, tfidf=0.0), model.cfg.max_seq_len
    for path in files:
        start = time.perf_counter()
        try: score = read_midi(path)
        except ValueError: continue
        read = time.perf_counter()
        ids = torch.from_numpy(encode_score(tokenizer, score).astype(np.int64))
        tokenized = time.perf_counter()
        rows = embed_songs(model, [dict(input_ids=ids[i:i + window], song_idx=0) for i in range(0, len(ids), window)], batch_size,
                           progress=False)
        embedded = time.perf_counter()
        for side in sides:
            if side is not None: rows = side.beside(rows, [ids.numpy()])
        seconds['read'] += read - start; seconds['tokenize'] += tokenized - read
        seconds['model'] += embedded - tokenized; seconds['tfidf'] += time.perf_counter() - embedded
    return seconds

def start_workers(embedder:MIDIEmbedder, files:list, workers:int)->float:
    "Seconds to start `workers` worker processes and get their first answers (their server is started once per process, often earlier)."
    start = time.perf_counter()
    list(safe_map(_SongReader(embedder.tokenizer), files[:max(workers, 1)], workers))
    return time.perf_counter() - start

def ours(model_dir:Path, files:list, out:Path, precision:str, args)->tuple:
    "(wall seconds, seconds in the model, collection) of `embed_collection` as `midi-embeddings embed` calls it."
    embedder = MIDIEmbedder.from_pretrained(model_dir, args.device, precision)
    embedder.embed(files[:1])  # warm-up: the first forward pass allocates
    model_seconds, embed_ids = 0.0, embedder.embed_ids
    def timed_embed_ids(*a, **kw):
        nonlocal model_seconds
        start = time.perf_counter()
        rows = embed_ids(*a, **kw)
        model_seconds += time.perf_counter() - start
        return rows
    embedder.embed_ids = timed_embed_ids
    start = time.perf_counter()
    collection = embed_collection(embedder, files, out, batch_size=args.batch_size, workers=args.workers,
                                  chunk_size=args.chunk_size, progress=False)
    return time.perf_counter() - start, model_seconds, collection

def resident_mib()->float:
    "This process's resident memory now (VmRSS), in MiB."
    return next(int(line.split()[1]) / 1024 for line in Path('/proc/self/status').read_text().splitlines() if line.startswith('VmRSS:'))

def memory_run(args):
    "In a fresh process: `midi-embeddings embed MODEL FOLDER`; print the summed peak RSS of its processes, and the main process's resident memory after its first and last chunks."
    between, chunks = [], MIDIEmbedder.embed_chunks  # what the main process keeps from chunk to chunk, apart from each chunk's momentary peak
    def recorded(self, *args, **kwargs):
        for chunk in chunks(self, *args, **kwargs):
            between.append(resident_mib())
            yield chunk
    MIDIEmbedder.embed_chunks = recorded
    with PeakRSS() as monitor:
        cli_main(['embed', str(args.model), str(args.memory_run), '--out', str(args.memory_run / 'out.npz'),
                  '--device', args.device, '--workers', str(args.workers), '--batch-size', str(args.batch_size),
                  '--chunk-size', str(args.chunk_size), '--precision', args.memory_precision])
    print(json.dumps(dict(peak_mib=monitor.total, own_mib=monitor.peaks.get(os.getpid(), 0), first_chunk_mib=between[0], last_chunk_mib=between[-1],
                          chunks=len(between))))

def collection(files:list, folder:Path)->Path:
    "`folder` holding copies of `files`, named so that they sort in the order of `files`."
    folder.mkdir()
    for i, path in enumerate(files): shutil.copyfile(path, folder / f'{i:06d}.mid')
    return folder

def peak_memory(args, model_dir:Path, folder:Path)->dict:
    "Summed peak RSS (MiB) of a `midi-embeddings embed` run on `folder` in chunks of N songs, in a fresh process, and its main process's (`own_mib`)."
    command = [sys.executable, __file__, '--memory-run', str(folder), '--model', str(model_dir), '--device', args.device,
               '--workers', str(args.workers), '--batch-size', str(args.batch_size), '--chunk-size', str(args.memory_n),
               '--memory-precision', args.memory_precision]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])

PLAIN_ONE_FILE = ('import sys; from midi_embeddings.embed import MIDIEmbedder; '
                  'MIDIEmbedder.from_pretrained(sys.argv[1], sys.argv[2]).embed([sys.argv[3]])')

def shell_seconds(command:list)->float:
    "Wall seconds of `command` in a fresh process; a CalledProcessError if it fails."
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - start

def one_file_from_shell(args, model_dir:Path, file:Path, out:Path)->dict:
    "{way: median wall seconds} of embedding `file` from the shell, each way `args.startup_repeats` times, the ways alternating."
    command = ['embed', str(model_dir), str(file), '--out', str(out), '--device', args.device, '--workers', str(args.workers)]
    ways = {'ours': [sys.executable, '-m', 'midi_embeddings', *command],
            'plain': [sys.executable, '-c', PLAIN_ONE_FILE, str(model_dir), args.device, str(file)]}
    runs = [{way: shell_seconds(argv) for way, argv in ways.items()} for _ in range(args.startup_repeats)]
    return {way: float(np.median([run[way] for run in runs])) for way in ways}

def main():
    args = parse_args()
    if args.memory_run: return memory_run(args)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        corpus = [song.path for song in music21_corpus(args.source, limit=args.limit)]
        n, scale = args.memory_n, args.memory_scale
        memory_songs = [song.path for song in music21_corpus(args.source, limit=scale * n)]
        if len(memory_songs) < scale * n: raise ValueError(f'the memory test needs {scale * n} songs of {args.source}; {len(memory_songs)} could be read: lower --memory-n')
        model_dir = args.model or make_model(corpus, workdir)
        embedder = MIDIEmbedder.from_pretrained(model_dir, args.device, 'fp32')
        files = corpus[:args.limit]
        embedder.embed(files[:1])  # warm-up: the first forward pass allocates
        startup = start_workers(embedder, files, args.workers)
        plain = plain_loop(embedder.model, embedder.tokenizer, [embedder.tfidf, embedder.melody], files, args.batch_size)
        plain_wall = sum(plain.values())
        runs = {precision: ours(model_dir, files, workdir / f'{precision}.npz', precision, args) for precision in ('fp32', 'auto')}
        n_kept = len(runs['fp32'][2]['paths'])
        cfg, bf16 = embedder.model.cfg, use_bf16('auto', args.device)
        beside = ''.join(f' beside {part.dim}-column {name}' for name, part in (('token TF-IDF', embedder.tfidf), ('melody n-grams', embedder.melody)) if part is not None)
        print(f'{len(files)} {args.source} files ({n_kept} embedded); model {cfg.embed_dim} dim{beside}, {cfg.num_layers} layers, '
              f'window {cfg.max_seq_len}, {embedder.model.n_params() / 1e6:.1f}M parameters; {args.device}, '
              f'{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}')
        print(f'plain loop (1 process, one song at a time, fp32): {plain_wall:6.1f} s = read {plain["read"]:.2f} + tokenize '
              f'{plain["tokenize"]:.2f} + model {plain["model"]:.2f} + TF-IDF and melody {plain["tfidf"]:.2f} -> {n_kept / plain_wall:6.2f} songs/s')
        print(f'starting {args.workers} workers: {startup:.2f} s (counted in the ratios below; the worker server\'s start included '
              'when this process had not started it before)')
        for precision, (wall, model_seconds, _) in runs.items():
            name = f"{precision}{' = bf16 here' if precision == 'auto' and bf16 else ' = fp32 here' if precision == 'auto' else ''}"
            print(f'midi-embeddings embed --precision {name} ({args.workers} workers): {wall:6.1f} s = model{" with what is beside it" * bool(beside)} {model_seconds:.2f} + '
                  f'waiting for workers {wall - model_seconds:.2f} -> {n_kept / (wall + startup):6.2f} songs/s with the start, '
                  f'{plain_wall / (wall + startup):.2f}x the plain loop')
        cosines = (runs['fp32'][2]['embeddings'] * runs['auto'][2]['embeddings']).sum(1)
        print(f'rows of auto against fp32: cosine min {cosines.min():.6f}, mean {cosines.mean():.6f}')
        folders = collection(memory_songs[::scale], workdir / 'n'), collection(memory_songs, workdir / 'scaled')
        runs = [[peak_memory(args, model_dir, folder) for folder in folders] for _ in range(args.memory_repeats)]  # sizes alternate
        small, large = ([run[size] for run in runs] for size in (0, 1))
        def described(peaks): return (', '.join(f"{peak['peak_mib']:.0f}" for peak in peaks) + ' MiB (the main process '
                                      + ', '.join(f"{peak['own_mib']:.0f}" for peak in peaks) + ')')
        median = lambda peaks, key='peak_mib': float(np.median([peak[key] for peak in peaks]))
        print(f'peak memory (summed peak RSS of its processes) of a whole `midi-embeddings embed --precision {args.memory_precision}` run, {args.memory_repeats} runs each: '
              f'{n} songs {described(small)}; {scale * n} different songs {described(large)} -> medians {median(small):.0f} and {median(large):.0f} MiB, '
              f'{median(large) / median(small):.2f}x; the main process {median(large, "own_mib") / median(small, "own_mib"):.2f}x (target: flat, about 1.0x)')
        print(f'the main process between chunks (its resident memory after the first chunk and after the last, medians): {n} songs '
              f'{median(small, "first_chunk_mib"):.0f} and {median(small, "last_chunk_mib"):.0f} MiB ({small[0]["chunks"]} chunk); {scale * n} songs '
              f'{median(large, "first_chunk_mib"):.0f} and {median(large, "last_chunk_mib"):.0f} MiB ({large[0]["chunks"]} chunks)')
        if not args.startup_repeats: return
        shell = one_file_from_shell(args, model_dir, files[0], workdir / 'one.npz')
        print(f'one file from the shell, fresh processes, medians of {args.startup_repeats}: `python -m midi_embeddings embed` {shell["ours"]:.2f} s, '
              f'a plain script embedding it in its own process {shell["plain"]:.2f} s -> {shell["plain"] / shell["ours"]:.2f}x the plain script')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
