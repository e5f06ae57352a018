#!/usr/bin/env python3
# How far bf16 rounding alone moves the logits of the transformers fixtures, and where it first changes
# stories260K's greedy tokens: a float64 numpy forward pass (dense) with bf16 rounding of the weights, of the
# activations where CudaForward rounds them (RMSNorm outputs, attention output, gate/up, SwiGLU output), or both.
# Runs here (numpy only): python3 scripts/gpu/bf16_rounding.py [fixture ...]; the numbers are in
# bench/results/2026-12-02-h200-runtime/README.md. Independent of Bf16Reference (Java), which the GPU run uses.
import json, os, struct, sys
import numpy as np
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIXTURES = os.path.join(ROOT, 'attention/src/test/resources/hf-fixtures')
STORIES = os.path.join(ROOT, '..', 'shared/models/stories260K')
def load(d):
    b=open(d+'/model.safetensors','rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); out={}
    for k,v in h.items():
        if k=='__metadata__': continue
        s,e=v['data_offsets']; raw=b[8+n+s:8+n+e]
        if v['dtype']=='F32': a=np.frombuffer(raw,np.float32)
        elif v['dtype']=='BF16': a=(np.frombuffer(raw,np.uint16).astype(np.uint32)<<16).view(np.float32)
        elif v['dtype']=='F16': a=np.frombuffer(raw,np.float16)
        out[k]=a.astype(np.float64).reshape(v['shape'])
    return out
def bf(x):
    x=np.asarray(x,np.float32); u=x.view(np.uint32).astype(np.uint64)
    r=((u+0x7fff+((u>>16)&1))>>16)<<16
    return r.astype(np.uint32).view(np.float32).astype(np.float64)
def run(d, ids, rw, ra):
    c=json.load(open(d+'/config.json')); W=load(d)
    R=(lambda x: bf(x)) if rw else (lambda x:x); A=(lambda x: bf(x)) if ra else (lambda x:x)
    D=c['hidden_size']; H=c['num_attention_heads']; KV=c['num_key_value_heads']; hd=c.get('head_dim') or D//H
    th=c.get('rope_theta',10000.0); eps=c['rms_norm_eps']; T=len(ids)
    inv=(1.0/(th**(np.arange(0,hd,2)/hd))).astype(np.float32)
    ang=(np.arange(T,dtype=np.float32)[:,None]*inv[None,:]).astype(np.float32)
    cos=np.cos(ang.astype(np.float64)); sin=np.sin(ang.astype(np.float64))
    E=R(W['model.embed_tokens.weight']); x=E[ids]
    def norm(x,w): return x/np.sqrt((x*x).mean(-1,keepdims=True)+eps)*R(w)
    def rope(q):
        h2=hd//2; a=q[...,:h2]; b=q[...,h2:]
        return np.concatenate([a*cos[:,None,:]-b*sin[:,None,:], b*cos[:,None,:]+a*sin[:,None,:]],-1)
    for l in range(c['num_hidden_layers']):
        p=f'model.layers.{l}.'
        xn=A(norm(x,W[p+'input_layernorm.weight']))
        q=xn@R(W[p+'self_attn.q_proj.weight']).T; k=xn@R(W[p+'self_attn.k_proj.weight']).T; v=xn@R(W[p+'self_attn.v_proj.weight']).T
        if p+'self_attn.q_proj.bias' in W: q+=W[p+'self_attn.q_proj.bias']; k+=W[p+'self_attn.k_proj.bias']; v+=W[p+'self_attn.v_proj.bias']
        q=rope(q.reshape(T,H,hd)); k=rope(k.reshape(T,KV,hd)); v=v.reshape(T,KV,hd)
        att=np.zeros((T,H,hd)); g=H//KV
        for h in range(H):
            s=q[:,h]@k[:,h//g].T/np.sqrt(hd); s=s+np.triu(np.full((T,T),-np.inf),1)
            pr=np.exp(s-s.max(-1,keepdims=True)); pr/=pr.sum(-1,keepdims=True); att[:,h]=pr@v[:,h//g]
        x=x+A(att.reshape(T,H*hd))@R(W[p+'self_attn.o_proj.weight']).T
        xm=A(norm(x,W[p+'post_attention_layernorm.weight']))
        gt=A(xm@R(W[p+'mlp.gate_proj.weight']).T); up=A(xm@R(W[p+'mlp.up_proj.weight']).T)
        hh=A(gt/(1+np.exp(-gt))*up)
        x=x+hh@R(W[p+'mlp.down_proj.weight']).T
    lm=R(W['lm_head.weight']) if 'lm_head.weight' in W else E
    return norm(x,W['model.norm.weight'])@lm.T
def fixtures(names):
  for name in names:
    d=os.path.join(FIXTURES, name)
    ids=json.load(open(d+'/expected.json'))['input_ids']
    ex=run(d,ids,False,False)
    r=lambda a: np.linalg.norm(a[-1]-ex[-1])/np.linalg.norm(ex[-1])
    print(name, 'weights-only %.2e  acts-only %.2e  both %.2e' % (r(run(d,ids,True,False)), r(run(d,ids,False,True)), r(run(d,ids,True,True))))

def golden(steps=40):
  g=json.load(open(STORIES+'/golden_greedy.json'))['greedy_tokens']
  for rw,ra,label in [(False,False,'float64'),(True,False,'bf16 weights'),(False,True,'bf16 activations'),(True,True,'bf16 both')]:
    ids=[1]; out=[]
    for i in range(steps):
      t=int(np.argmax(run(STORIES,ids,rw,ra)[-1])); out.append(t); ids.append(t)
    first=next((i for i in range(steps) if out[i]!=g[i]),None)
    print('stories260K greedy,', label + ': first difference from golden_greedy.json at token', first)

if __name__ == '__main__':
  fixtures(sys.argv[1:] or sorted(os.listdir(FIXTURES)))
  if os.path.isdir(STORIES): golden()
