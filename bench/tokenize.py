"""Files per second of building the `MIDIDatasetPresaved` token cache against a plain single-process miditok loop.

Same files, same BPE tokenizer. A second peer is the same loop with its heap frozen (`gc.freeze()`, as the build's
workers do), which shows how the work itself scales over the workers. A third peer runs that frozen loop in as many
forked processes as the build has workers, each on its share of the files, sharing nothing: what the machine gives
that many processes, the ceiling of any build with that many workers. Wall times are medians of interleaved,
unwatched runs of each side; then one watched run of each reports peak memory and CPU seconds of every process
involved (the workers are watched through /proc, Linux only), so that a run on a busy machine still shows how much
work each side did. Also times a construction that hits the cache. Targets: the cache build at least 1.8x the plain
loop with 2 workers; a cache hit under 5% of the first build.

    python bench/tokenize.py                      # music21 composers corpus, 200 songs, 2 workers
    python bench/tokenize.py --toy 300            # 300 toy songs built in code (no music21 corpus needed)
"""
import sys
from pathlib import Path
# This file's name shadows the standard library's `tokenize` (which `inspect`, and so torch, import): drop its folder.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, gc, multiprocessing, os, resource, statistics, tempfile, threading, time
from midi_embeddings.dataset import MIDIDatasetPresaved
from midi_embeddings.tokenize import load_or_train_tokenizer, write_toy_corpus

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--limit', type=int, default=200, help='songs taken from the music21 corpus')
    p.add_argument('--source', default='composers', help='music21 label set: composers | folk')
    p.add_argument('--toy', type=int, default=0, help='use about this many toy songs instead of the music21 corpus (a multiple of 4, one label in 4 each; at least 4)')
    p.add_argument('--toy-notes', type=int, default=2000, help='melody notes per toy song')
    p.add_argument('--workers', type=int, default=2, help='worker processes of the cache build')
    p.add_argument('--vocab-size', type=int, default=2000, help='BPE vocabulary of the tokenizer')
    p.add_argument('--max-seq-len', type=int, default=2048)
    p.add_argument('--repeats', type=int, default=3, help='timed runs of each side, interleaved; the median is reported')
    return p.parse_args()

def bench_files(args, workdir:Path)->list:
    "The MIDI files to tokenize: toy songs, or the music21 corpus converted (and cached) by `midi_embeddings.corpus`."
    if args.toy: return write_toy_corpus(workdir / 'toy', n_per_label=max(1, args.toy // 4), n_notes=args.toy_notes,
                                         labels=('major', 'minor', 'blues', 'whole_tone'))
    from midi_embeddings.corpus import music21_corpus
    return [song.path for song in music21_corpus(args.source, limit=args.limit)]

def _children()->dict:
    "pid -> parent pid of every process, from /proc."
    parents = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try: fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError: continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents

def _cpu_and_memory(pid:int)->tuple:
    "(CPU seconds, proportional set size in MiB: shared pages split between their users) of process `pid`."
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    pss = next(line for line in Path(f'/proc/{pid}/smaps_rollup').read_text().splitlines() if line.startswith('Pss:'))
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'), int(pss.split()[1]) / 1024

class ProcessTreeMonitor:
    "Samples this process and its descendants: CPU seconds used while watching, peak total memory (PSS)."
    def __init__(self, interval:float=0.1): self.interval, self.stop_event = interval, threading.Event()

    def sample(self):
        parents, tree, total = _children(), {os.getpid()}, 0.0
        for _ in range(3): tree |= {pid for pid, parent in parents.items() if parent in tree}
        for pid in tree:
            try: cpu, memory = _cpu_and_memory(pid)
            except (OSError, IndexError, StopIteration): continue
            self.first_cpu.setdefault(pid, cpu)
            self.last_cpu[pid], total = cpu, total + memory
        self.peak_memory = max(self.peak_memory, total)

    def run(self):
        while not self.stop_event.wait(self.interval): self.sample()
        self.own_cpu = time.thread_time()

    def __enter__(self):
        self.first_cpu, self.last_cpu, self.peak_memory = {}, {}, 0.0
        self.sample()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()
        self.sample()

    @property
    def cpu(self)->float:
        "CPU seconds of the watched processes, less the sampling thread's own."
        return sum(self.last_cpu[pid] - self.first_cpu[pid] for pid in self.last_cpu) - self.own_cpu

def measure(fn)->tuple:
    "(wall seconds, CPU seconds of the process tree, peak MiB (PSS) of the tree, result) of calling `fn`."
    with ProcessTreeMonitor() as monitor:
        start = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - start
    return wall, monitor.cpu, monitor.peak_memory, result

def plain_loop(tokenizer, files):
    "`tokenizer.encode(path)` over `files` in this process, skipping files it cannot read."
    for path in files:
        try: tokenizer.encode(Path(path))
        except Exception: pass

def frozen_plain_loop(tokenizer, files):
    "`plain_loop` with this process's heap frozen (`gc.freeze()`), as the cache build's workers freeze theirs."
    gc.freeze()
    try: plain_loop(tokenizer, files)
    finally: gc.unfreeze()

def split_loops(tokenizer, files, processes:int):
    "`frozen_plain_loop` over 1/`processes` of `files` in each of `processes` forked processes at once, sharing nothing."
    context = multiprocessing.get_context('fork')
    shares = [files[start::processes] for start in range(processes)]
    children = [context.Process(target=frozen_plain_loop, args=(tokenizer, share)) for share in shares]
    for child in children: child.start()
    for child in children: child.join()

def timed(fn, repeats:int)->list:
    "Wall seconds of `repeats` unwatched calls of `fn` (the memory monitor takes CPU that a 2-core build would miss)."
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times

def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        files = bench_files(args, workdir)
        tokenizer = load_or_train_tokenizer(workdir / 'tokenizer.json', files[:50], vocab_size=args.vocab_size,
                                            workers=args.workers)
        fresh_caches = iter(range(10**6))
        build_dataset = lambda cache: MIDIDatasetPresaved(files, tokenizer, args.max_seq_len, cache_dir=workdir / cache,
                                                          workers=args.workers)
        build_fresh = lambda: build_dataset(f'cache{next(fresh_caches)}')
        plain_times, frozen_times, split_times, build_times = [], [], [], []
        for _ in range(args.repeats):  # interleaved, so that a change in the machine's load hits every side alike
            plain_times += timed(lambda: plain_loop(tokenizer, files), 1)
            frozen_times += timed(lambda: frozen_plain_loop(tokenizer, files), 1)
            split_times += timed(lambda: split_loops(tokenizer, files, args.workers), 1)
            build_times += timed(build_fresh, 1)
        plain, frozen, split, build = (statistics.median(times) for times in (plain_times, frozen_times, split_times, build_times))
        hit = statistics.median(timed(lambda: build_dataset('cache0'), args.repeats))
        _, plain_cpu, plain_memory, _ = measure(lambda: plain_loop(tokenizer, files))
        _, build_cpu, build_memory, dataset = measure(build_fresh)
        _, _, hit_memory, _ = measure(lambda: build_dataset('cache0'))
        n, load = len(files), os.getloadavg()[0]
        print(f'files: {n} ({dataset.n_songs} kept, {len(dataset.skipped)} skipped), {int(dataset.song_lengths.sum()):,} ids, '
              f'{len(dataset)} windows of <= {args.max_seq_len}; {os.cpu_count()} CPUs, load average {load:.1f}')
        runs = lambda times: ", ".join(f"{t:.2f}" for t in times)
        print(f'wall seconds, median of {args.repeats} interleaved runs (plain {runs(plain_times)}; frozen {runs(frozen_times)}; '
              f'split {runs(split_times)}; build {runs(build_times)})')
        print(f'plain miditok loop (1 process):     {plain:7.2f} s {n / plain:7.1f} files/s')
        print(f'the same loop, heap frozen:         {frozen:7.2f} s {n / frozen:7.1f} files/s'
              f' (gc.freeze(), as the build\'s workers do: the cost of the garbage collector walking this process\'s heap)')
        print(f'cache build ({args.workers} workers):          {build:7.2f} s {n / build:7.1f} files/s'
              f' -> {plain / build:.2f}x the plain loop (target >= 1.8x; its worker server was started by the '
              f'tokenizer training, as in script.py)')
        print(f'  against the frozen loop:                  {frozen / build:.2f}x (the scaling over {args.workers} workers alone)')
        print(f'{args.workers} frozen loops at once, 1/{args.workers} each:  {split:7.2f} s {n / split:7.1f} files/s'
              f' -> {frozen / split:.2f}x the frozen loop: what this machine gives {args.workers} processes that share nothing'
              f' (the ceiling of any {args.workers}-worker build); the build reaches {split / build:.0%} of it')
        print(f'cache hit:                          {hit:7.3f} s -> {100 * hit / build:.1f}% of the build (target < 5%)')
        print(f'CPU seconds (watched run): plain loop {plain_cpu:.2f}, build {build_cpu:.2f}, {build_cpu / plain_cpu:.2f}x the work '
              f'(on {args.workers} idle cores the build would run at about {args.workers * plain_cpu / build_cpu:.2f}x)')
        if load > os.cpu_count():
            print(f'note: the load average ({load:.1f}) exceeds the {os.cpu_count()} CPUs; with the kernel sharing CPU '
                  f'fairly between sessions (autogroup), extra workers do not get extra CPU, so trust the CPU line above')
        print(f'peak memory (PSS) of this process and its workers: plain loop {plain_memory:.0f} MiB, '
              f'build {build_memory:.0f} MiB, hit {hit_memory:.0f} MiB; '
              f'this process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
