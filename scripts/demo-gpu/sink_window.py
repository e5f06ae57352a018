"""headroom's sink + window rule as an additive attention mask for transformers' sdpa: key j is visible from query i
when j <= i and (j < sink or i - j < window). Queries are the last t of s positions (a KV cache holds the first)."""
import torch


def additive_mask(t, s, sink, window, device, dtype):
    """[1, 1, t, s]: 0 where visible, -inf elsewhere."""
    i = torch.arange(t, device=device)[:, None] + (s - t)
    j = torch.arange(s, device=device)[None, :]
    allowed = (j <= i) & ((j < sink) | (i - j < window))
    return torch.zeros(t, s, device=device, dtype=dtype).masked_fill(~allowed, float("-inf"))[None, None]
