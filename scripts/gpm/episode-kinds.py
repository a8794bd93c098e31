#!/usr/bin/python3
"""Per-episode alerts by kind of episode, from the held-out episode tables `npm run train:model` writes.

    /usr/bin/python3 scripts/gpm/episode-kinds.py [models/abp-gpm-xgb]

Reads episodes.json (each family held out) and episodes-gpu.json (each GPU held out) and counts, for each:
miners alone, miners beside a DL job, miners beside other benign work (alerted within 30 s of the start, over
episodes with working samples), and benign episodes alarmed (any alert), with the pairs of two DL jobs apart.
A DL part is one of the dl_train / dl_infer families, or the shared recording's ResNet jobs. These are the
figures the model card's "In short" and the README's "Per episode" paragraph quote.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "workloads"))
import registry  # noqa: E402

FAMILY = {w.name: w.family for w in registry._W}


def part_name(part):
    return part.split("@")[0].split("/")[0]


def is_dl(part):
    name = part_name(part)
    return FAMILY.get(name, "").startswith("dl_") or name in ("train_resnet", "infer_resnet")


def is_hash(part):
    name = part_name(part)
    return name.startswith(("hash_", "pow_"))


def kinds(path):
    eps = json.load(open(path))["episodes"]
    c = {k: [0, 0] for k in ("miner alone", "miner beside DL", "miner beside other", "benign", "benign DL+DL")}
    for e in eps:
        if e["working"] == 0:
            continue
        parts = e["workload"].split("+")
        if e["label"] == 1:
            others = [p for p in parts if not is_hash(p)]
            k = "miner alone" if not others else "miner beside DL" if any(is_dl(p) for p in others) else "miner beside other"
            hit = e["alertAfterS"] is not None and e["alertAfterS"] <= 30
        else:
            k = "benign"
            hit = bool(e["falseAlarm"])
        c[k][0] += hit
        c[k][1] += 1
        if e["label"] == 0 and len(parts) == 2 and all(is_dl(p) for p in parts):
            c["benign DL+DL"][0] += hit
            c["benign DL+DL"][1] += 1
    return c


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "models/abp-gpm-xgb"
    for name, f in (("family held out", "episodes.json"), ("GPU held out", "episodes-gpu.json")):
        c = kinds(os.path.join(d, f))
        print(f"{name}: " + ", ".join(f"{k} {a}/{n}" for k, (a, n) in c.items()))


if __name__ == "__main__":
    main()
