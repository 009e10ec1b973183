"""Train song embeddings from the shell, configured with Hydra (`configs/`).

    python script.py                                   # defaults: built-in music21 corpus, 100 songs
    python script.py train.batch_size=16 train.epochs=20
    python script.py --config-name=large_model         # a bigger model for a GPU
    python script.py --config-name=tiny                # a CPU smoke run of a minute or two
    torchrun --standalone --nproc_per_node 2 script.py # data-parallel training, one run directory

`midi-embeddings train ...` (the console script of an installed package) runs the same task.
"""
import sys
from pathlib import Path
from midi_embeddings.__main__ import bars_for_logs
bars_for_logs()  # bars redrawn every 30 s when they go to a log file; before tqdm is imported, which reads the setting once
import hydra
from midi_embeddings.cli import refuse, run_training
from midi_embeddings.workflow import launch_error  # importing it registers the configurations' resolvers


@hydra.main(config_path='configs', config_name='config', version_base=None)
def main(cfg): run_training(cfg)


if __name__ == '__main__':
    if error := launch_error(sys.argv[1:], Path(__file__).resolve().parent / 'configs'): refuse(f'config error: {error}')
    main()
