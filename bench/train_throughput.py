"""Training tokens per second of `MIDITransformerEncoder` against Hugging Face `BertForMaskedLM`, same shape, same batches.

Also prints model FLOPs utilisation (MFU) against this machine's matmul peak, measured in the same run. Rounds
alternate the matmul peak and the models, and the best round of each counts (as `timeit` does), so that other
work on a shared machine slows every contender alike instead of skewing the ratio. BERT runs with both of its
attention implementations, PyTorch's fused kernel (`sdpa`, its default) and plain products (`eager`), which on a CPU
in bf16 is the faster one (as ours computes attention there); the ratio counts against the faster of the two
(`--bert-attention` chooses which run). Both drop out the embeddings and the
residual branches (`--dropout`); BERT's attention weights only with `--bert-attention-dropout`, since ours has no such
dropout (session 31: until then BERT dropped them at `--dropout`, its own default, which costs it the fused kernel).

On Linux, glibc hands each large tensor to the kernel when it is freed and maps fresh pages for the next one, which
costs BERT's CPU steps (attention probabilities of B x heads x T x T) up to 41% of their time and ours nothing
measurable (session 18). To measure BERT at its best, keep freed memory in the heap for both:
`MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=68719476736 python bench/train_throughput.py`.

    python bench/train_throughput.py                           # CPU, fp32, 384 dim, 2 layers, T=1024
    python bench/train_throughput.py --device cuda --dtype bf16 --embed-dim 1024 --layers 8 --heads 16 --batch-size 32
"""
import sys
from pathlib import Path
# bench/tokenize.py shadows the standard library's `tokenize` (which torch imports): drop this folder from the path.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent: sys.path.pop(0)
import argparse, statistics, time
from contextlib import nullcontext
import torch
from midi_embeddings.transformer import EncoderConfig, MIDITransformerEncoder

def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--device', default='cpu', help='cpu | cuda')
    p.add_argument('--dtype', default='fp32', choices=['fp32', 'bf16'], help='bf16: autocast on both models')
    p.add_argument('--embed-dim', type=int, default=384)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--seq-len', type=int, default=1024)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--vocab-size', type=int, default=2000)
    p.add_argument('--dropout', type=float, default=0.1, help="dropout of the embeddings and the blocks' residual branches, on both")
    p.add_argument('--bert-attention-dropout', type=float, default=0.0,
                   help="dropout of BERT's attention weights (default 0: ours has none, like for like; 0.1 is BERT's own default, "
                        'which takes it off the fused attention kernel, as measured until session 30)')
    p.add_argument('--bert-attention', nargs='+', default=['sdpa', 'eager'], choices=['sdpa', 'eager'],
                   help="BERT's attention implementations to measure; the ratio counts against the faster (both by default)")
    p.add_argument('--mask-prob', type=float, default=0.15)
    p.add_argument('--steps', type=int, default=1, help='timed steps per round')
    p.add_argument('--rounds', type=int, default=6, help='rounds of (matmul peak, ours, bert); the best round of each counts')
    p.add_argument('--compile', action='store_true', help='torch.compile our encoder')
    return p.parse_args()

def make_batches(args, n):
    "`n` identical-shape MLM batches: ids, full attention, labels at `mask_prob` of positions (-100 elsewhere)."
    g = torch.Generator().manual_seed(0)
    batches = []
    for _ in range(n):
        ids = torch.randint(5, args.vocab_size, (args.batch_size, args.seq_len), generator=g)
        chosen = torch.rand(ids.shape, generator=g) < args.mask_prob
        labels = torch.where(chosen, ids, -100)
        batches.append(dict(input_ids=torch.where(chosen, 4, ids), attention_mask=torch.ones_like(ids, dtype=torch.bool),
                            labels=labels))
    return batches

def ours(args):
    cfg = EncoderConfig(vocab_size=args.vocab_size, max_seq_len=args.seq_len, embed_dim=args.embed_dim, nhead=args.heads,
                        num_layers=args.layers, dropout=args.dropout)
    model = MIDITransformerEncoder(cfg)
    return model, lambda m, b: m(b['input_ids'], None, b['labels'])[1]  # no padding: no mask, as the Learner passes (compiled, a mask would force the masked kernel)

def bert(args, attention:str):  # 'sdpa' | 'eager': transformers' attention implementation
    from transformers import BertConfig, BertForMaskedLM
    cfg = BertConfig(vocab_size=args.vocab_size, hidden_size=args.embed_dim, num_hidden_layers=args.layers,
                     num_attention_heads=args.heads, intermediate_size=4 * args.embed_dim, max_position_embeddings=args.seq_len,
                     hidden_dropout_prob=args.dropout, attention_probs_dropout_prob=args.bert_attention_dropout)
    cfg._attn_implementation = attention
    model = BertForMaskedLM(cfg)
    if model.config._attn_implementation != attention: raise ValueError(f'transformers built BERT with {model.config._attn_implementation} attention, not {attention}')
    return model, lambda m, b: m(input_ids=b['input_ids'], attention_mask=b['attention_mask'].long(), labels=b['labels']).loss

def model_flops_per_step(args, n_labelled, n_rows):
    """Training FLOPs (3x forward) our encoder computes for one batch: every block but the last at all positions; the
    last block's keys and values at all positions, but its queries, attention, projection and MLP only at `n_rows`
    (the labelled positions, padded to the same count in every window); the head at the labelled positions."""
    D, L, T, B = args.embed_dim, args.layers, args.seq_len, args.batch_size
    full_block = 24 * D * D * B * T + 4 * B * T * T * D
    last_block = 4 * D * D * B * T + (20 * D * D + 4 * T * D) * n_rows
    forward = (L - 1) * full_block + last_block + 2 * D * args.vocab_size * n_labelled
    return 3 * forward

def matmul_peak(device, dtype, n=4096, reps=5):
    "Best FLOP/s of an n x n matmul in `dtype`: the machine's practical peak."
    a = torch.randn(n, n, device=device, dtype=dtype); b = torch.randn(n, n, device=device, dtype=dtype)
    best = float('inf')
    for _ in range(reps):
        sync(device); start = time.perf_counter(); a @ b; sync(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n ** 3 / best

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def time_steps(model, loss_fn, opt, batches, device, autocast):
    "Seconds for one optimiser step per batch."
    sync(device); start = time.perf_counter()
    for batch in batches:
        with autocast: loss = loss_fn(model, batch)
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    sync(device)
    return time.perf_counter() - start

def main():
    args = parse_args()
    try: import transformers  # noqa: F401 (the peer)
    except ImportError: sys.exit('bench/train_throughput.py measures against Hugging Face transformers: pip install -e ".[bench]"')
    device = torch.device(args.device)
    torch.manual_seed(0)
    dtype = torch.bfloat16 if args.dtype == 'bf16' else torch.float32
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if args.dtype == 'bf16' else nullcontext()
    batches = [{k: v.to(device) for k, v in b.items()} for b in make_batches(args, args.steps)]
    contenders = {}
    builders = dict(ours=ours) | {f'bert_{attention}': lambda args, attention=attention: bert(args, attention) for attention in args.bert_attention}
    for name, build in builders.items():
        model, loss_fn = build(args)
        model.to(device).train()
        if name == 'ours' and args.compile: model = torch.compile(model)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
        time_steps(model, loss_fn, opt, batches[:1], device, autocast)
        contenders[name] = (model, loss_fn, opt)
    labelled = [b['labels'] != -100 for b in batches]
    flops = model_flops_per_step(args, sum(int(m.sum()) for m in labelled) / len(batches),
                                 sum(int(m.sum(1).max()) * args.batch_size for m in labelled) / len(batches))
    tokens = args.steps * args.batch_size * args.seq_len
    peaks, rates = [], {name: [] for name in contenders}
    for round_ in range(args.rounds):
        peaks.append(matmul_peak(device, dtype))
        for name, (model, loss_fn, opt) in contenders.items():
            rates[name].append(tokens / time_steps(model, loss_fn, opt, batches, device, autocast))
        print(f'round {round_ + 1}: matmul {peaks[-1] / 1e9:,.1f} GFLOP/s  '
              + '  '.join(f'{name} {r[-1]:,.0f} tok/s' for name, r in rates.items()), flush=True)
    best = {name: max(r) for name, r in rates.items()}
    peer = max((name for name in best if name != 'ours'), key=best.get)
    medians = {name: statistics.median(r) for name, r in rates.items()}
    mfu = flops * best['ours'] / (args.batch_size * args.seq_len) / max(peaks)
    print(f'device={device} dtype={args.dtype} threads={torch.get_num_threads()} D={args.embed_dim} L={args.layers} '
          f'H={args.heads} T={args.seq_len} B={args.batch_size} V={args.vocab_size} dropout={args.dropout} '
          f'bert_attention_dropout={args.bert_attention_dropout} compile={args.compile}')
    print(f'best of {args.rounds} rounds: ours {best["ours"]:,.0f} tokens/s   '
          + '   '.join(f'{name} {best[name]:,.0f} (ours / it {best["ours"] / best[name]:.2f}x)' for name in best if name != 'ours'))
    print(f'ratio against the faster BERT ({peer}): {best["ours"] / best[peer]:.2f}x   '
          f'(medians: {medians["ours"]:,.0f} vs {medians[peer]:,.0f}, {medians["ours"] / medians[peer]:.2f}x)')
    print(f'matmul peak {max(peaks) / 1e9:,.1f} GFLOP/s   model FLOPs {flops / 1e9:,.1f} GFLOP/step   MFU (ours) {100 * mfu:.0f}%')

if __name__ == '__main__':
    try: main()
    except (ValueError, ImportError) as error: sys.exit(f'{Path(__file__).name}: {error}')  # the library's one-line reasons, without a traceback
