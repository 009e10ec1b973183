"""How far a song's row moves when its file writes the same music another way: lengths, velocities, barring, doubling.

For each held-out song of a trained model's run (its test and validation songs, from the `songs.csv` the checkpoint
keeps), this script embeds the song as written and changed one way at a time, and prints for each change the mean and
lowest cosine of the changed song's row with the song's own, and how often the changed song finds the song first among
all the run's songs. The README's lines on what a row depends on come from this script.

    python bench/readings.py outputs/DATE/TIME/embed_model      # a checkpoint written by `python script.py`
    python bench/readings.py outputs/DATE/TIME/embed_model --lengths-as-written   # the same model, lengths not moved to note values

The changes: every note's length times 0.95, 0.9, 1.1, 0.8 or 0.5 (a notation program's gate time, a sequencer's
legato or staccato), lengths times 0.8 to 1.0 at random (a player who lifts early), velocities at random, the music
barred in 2/4, and the first part doubled in unison.
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse
import numpy as np, symusic
from midi_embeddings.corpus import read_midi
from midi_embeddings.embed import MIDIEmbedder
from midi_embeddings.train import SONGS_FILE, find_checkpoint
from midi_embeddings.workflow import listed_splits

def with_notes(score, change):
    "A copy of `score` whose notes' (time, duration, pitch, velocity) arrays `change` rewrites, part by part."
    score = score.copy()
    for track in score.tracks:
        if track.note_num():
            notes = track.notes.numpy()
            time, duration, pitch, velocity = change(notes['time'], notes['duration'], notes['pitch'], notes['velocity'])
            track.notes = symusic.Note.from_numpy(time, duration.astype(np.int32), pitch, velocity.astype(np.int8))
    return score

def lengths_times(factor:float):
    return lambda score: with_notes(score, lambda t, d, p, v: (t, np.maximum(1, np.round(d * factor)), p, v))

def lengths_at_random(low:float, high:float, seed:int=0):
    rng = np.random.default_rng(seed)
    return lambda score: with_notes(score, lambda t, d, p, v: (t, np.maximum(1, np.round(d * rng.uniform(low, high, len(d)))), p, v))

def velocities_at_random(seed:int=0):
    rng = np.random.default_rng(seed)
    return lambda score: with_notes(score, lambda t, d, p, v: (t, d, p, rng.integers(40, 110, len(v))))

def barred_in(numerator:int, denominator:int):
    def change(score):
        score = score.copy()
        score.time_signatures = [symusic.TimeSignature(0, numerator, denominator)]
        return score
    return change

def first_part_doubled(score):
    score = score.copy()
    score.tracks.append(score.tracks[0].copy())
    return score

CHANGES = {'as written': lambda score: score, 'lengths x0.95': lengths_times(0.95), 'lengths x0.9': lengths_times(0.9),
           'lengths x1.1': lengths_times(1.1), 'lengths x0.8': lengths_times(0.8), 'lengths x0.5': lengths_times(0.5),
           'lengths x0.8 to 1.0 at random': lengths_at_random(0.8, 1.0), 'velocities 40 to 109 at random': velocities_at_random(),
           'barred in 2/4': barred_in(2, 4), 'first part doubled in unison': first_part_doubled}

def run_songs(checkpoint:Path)->dict:
    "{split: [paths]} of the run that trained `checkpoint`, from the song list it keeps."
    splits = listed_splits(checkpoint / SONGS_FILE)
    if splits is None: sys.exit(f'{checkpoint}: keeps no {SONGS_FILE} with splits (checkpoints written by training since session 44 do)')
    songs = {}
    for path, split in splits.items(): songs.setdefault(split, []).append(path)
    return songs

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('model_dir', type=Path, help='a checkpoint written by training, or the run folder holding best/')
    p.add_argument('--lengths-as-written', action='store_true', help="read lengths as written, as tokenizers before session 45 did, though the model's reads them at note values")
    args = p.parse_args()
    checkpoint = find_checkpoint(args.model_dir)
    if checkpoint is None: sys.exit(f'{args.model_dir}: no checkpoint there')
    splits = run_songs(checkpoint)
    held_out = splits.get('test', []) + splits.get('validation', [])
    others = [path for split, paths in splits.items() if split not in ('test', 'validation') for path in paths]
    embedder = MIDIEmbedder.from_pretrained(checkpoint)
    if args.lengths_as_written and embedder.tokenizer.plain: embedder.tokenizer.plain = {**embedder.tokenizer.plain, 'note_values': False}
    scores = [read_midi(path) for path in held_out]
    rows = embedder.embed(scores)
    pool = np.concatenate([rows, embedder.embed(others)])  # the song's own row comes first among equals
    print(f'{len(scores)} held-out songs, found among {len(pool)}; {embedder.layout}\n')
    print('| the file | cosine with the song, mean | lowest | finds the song first |\n|---|---|---|---|')
    for name, change in CHANGES.items():
        changed = embedder.embed([change(score) for score in scores])
        cosines = (changed * rows).sum(1)
        first = ((changed @ pool.T).argmax(1) == np.arange(len(scores))).mean()
        print(f'| {name} | {cosines.mean():.3f} | {cosines.min():.3f} | {first:.3f} |')

if __name__ == '__main__': main()
