"""Train song embeddings from the shell, configured with Hydra (`configs/`).

    python script.py                                   # defaults: built-in music21 corpus, 100 songs
    python script.py train.batch_size=16 train.epochs=20
    python script.py --config-name=large_model         # a bigger model for a GPU
    python script.py --config-name=tiny                # a CPU smoke run of about a minute
    torchrun --standalone --nproc_per_node 2 script.py # data-parallel training, one run directory
"""
import sys
import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf
from midi_embeddings.workflow import ConfigError, validate_config, train, run_name

OmegaConf.register_new_resolver('run_name', run_name)


@hydra.main(config_path='configs', config_name='config', version_base=None)
def main(cfg):
    try: train(validate_config(cfg), run_dir=HydraConfig.get().runtime.output_dir)
    except ConfigError as e: sys.exit(f'config error: {e}')


if __name__ == '__main__': main()
