#!/usr/bin/python3
"""A small input of real records with missing and odd feature fields, for the golden tests.

  /usr/bin/python3 scripts/make-odd-input.py --input data/nvsmi-h200-train.jsonlines.gz \
      --columns models/abp-nvsmi-xgb/columns_fil.txt --out test/golden/nvsmi-h200-odd.jsonlines

Takes every 17th record of the real telemetry (all workloads appear), keeps only the model's
columns and a few identifying fields (to keep the file small), then damages the feature fields in
ways collectors and other drivers do: a field absent, "N/A", null, "[N/A]", "Unknown Error", a
bare JSON number instead of text, stray spaces, an older driver's power field name, and every
feature missing at once. Deterministic: the same input gives the same file.
"""
import argparse
import gzip
import json

KEEP = ("nvidia_smi_log.gpu.uuid", "hostname", "timestamp", "label", "workload")
OLD_POWER = "nvidia_smi_log.gpu.power_readings.power_draw"


def damage(i, rec, columns):
    """The i-th record's damage; returns a short note of what was done."""
    c = columns
    kind = i % 10
    if kind == 0:
        return "unchanged"
    if kind == 1:
        del rec[c[1]]
        return f"{c[1]} absent"
    if kind == 2:
        rec[c[3]] = "N/A"
        return f"{c[3]} N/A"
    if kind == 3:
        rec[c[4]] = None
        return f"{c[4]} null"
    if kind == 4:
        v = rec[c[0]]
        rec[c[0]] = float(v.split()[0]) if isinstance(v, str) and v[:1].isdigit() else v
        return f"{c[0]} as a JSON number"
    if kind == 5:
        for k in c:
            rec[k] = "N/A"
        return "every feature N/A"
    if kind == 6:
        # An older driver: power under power_readings.power_draw, not gpu_power_readings.*.
        power = [k for k in c if ".gpu_power_readings." in k]
        if not power:
            return "unchanged (no power column)"
        rec[OLD_POWER] = rec.pop(power[0])
        for k in power[1:]:
            rec.pop(k, None)
        return "old driver power field name"
    if kind == 7:
        rec[c[2]] = "[N/A]"
        rec[c[1]] = "Unknown Error"
        return f"{c[2]} [N/A], {c[1]} Unknown Error"
    if kind == 8:
        for k in c:
            if isinstance(rec.get(k), str):
                rec[k] = "  " + rec[k] + " "
        return "stray spaces around every feature"
    for k in c:
        rec.pop(k, None)
    return "every feature absent"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default="data/nvsmi-h200-train.jsonlines.gz")
    ap.add_argument("--columns", default="models/abp-nvsmi-xgb/columns_fil.txt")
    ap.add_argument("--out", default="test/golden/nvsmi-h200-odd.jsonlines")
    ap.add_argument("--every", type=int, default=17)
    args = ap.parse_args()

    with open(args.columns) as f:
        columns = [l.strip() for l in f if l.strip()]
    if len(columns) < 5:
        raise SystemExit("make-odd-input: expects the shipped model's five or more columns")
    with gzip.open(args.input, "rt") as f:
        records = [json.loads(l) for l in f if l.strip()]

    out = []
    for i, src in enumerate(records[:: args.every]):
        rec = {k: src[k] for k in KEEP if k in src}
        rec.update({k: src[k] for k in columns if k in src})
        rec["damage"] = damage(i, rec, columns)
        out.append(rec)
    with open(args.out, "w") as f:
        for rec in out:
            f.write(json.dumps(rec) + "\n")
    print(f"make-odd-input: {len(out)} records -> {args.out}")


if __name__ == "__main__":
    main()
