#!/usr/bin/env python3
"""Writes a paperboy config with N subscribers over the bundled sample, for the memory and
speed benchmarks: `bench/make-config.py 100000 /tmp/big/paperboy.toml`.

Every subscriber has a topic or two of ten and a keyword of their own, drawn from a fixed
seed, so every run measures the same work. The config's paths point back at this checkout.
"""

import os
import random
import sys

TOPICS = {
    "distillation": ['"knowledge distillation"', '"distill*"'],
    "vision": ['"vision transformer"', '"ViT"'],
    "state-space": ['"Mamba"', '"state space model"'],
    "agents": ['"agent*"', '"tool use"'],
    "diffusion": ['"diffusion"', '"denois*"'],
    "reasoning": ['"reasoning"', '"chain of thought"'],
    "robotics": ['"robot*"', '"manipulation"'],
    "speech": ['"speech"', '"audio"'],
    "retrieval": ['"retrieval"', '"RAG"'],
    "video": ['"video"', '"temporal"'],
}
KEYWORDS = ["benchmark", "LLM", "multimodal", "3D", "efficient", "reinforcement learning",
            "segmentation", "graph", "medical", "alignment"]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: make-config.py SUBSCRIBERS OUT.toml")
    count, out = int(sys.argv[1]), sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    sample = os.path.join(os.path.dirname(here), "examples", "hf-daily-papers-aug5.txt")
    folder = os.path.dirname(os.path.abspath(out))
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(7)
    names = list(TOPICS)
    with open(out, "w", encoding="utf-8") as f:
        f.write('[newsletter]\ntitle = "Daily Papers Digest"\n'
                'from = "Paper Digest <digest@example.org>"\nmax_papers = 10\n\n')
        f.write(f'[[sources]]\nname = "hf"\npath = "{sample}"\nformat = "hf-text"\n\n')
        f.write(f'[delivery]\ntransport = "file"\ndir = "{folder}/outbox"\n'
                f'state = "{folder}/paperboy.db"\n\n')
        for name, keywords in TOPICS.items():
            f.write(f"[topics.{name}]\nkeywords = [{', '.join(keywords)}]\n\n")
        for i in range(count):
            topics = rng.sample(names, rng.randint(1, 2))
            topic_list = ", ".join(f'"{t}"' for t in topics)
            f.write(f'[[subscribers]]\nemail = "reader{i}@example.com"\nname = "Reader {i}"\n'
                    f'topics = [{topic_list}]\nkeywords = ["{rng.choice(KEYWORDS)}"]\n\n')


if __name__ == "__main__":
    main()
