#!/usr/bin/env python3
"""Chooses the smart-home students' shapes and training on the VALIDATION split only.

Greedy, stage by stage, on one seed of the default generated home: every candidate is trained
with `reclite train` (hard labels) or `reclite distill --teacher` and exported; its file is ranked
through the runtime on the validation split (`--metrics`' JSON). Each stage keeps the best
validation NDCG@3 within the parameter budget (10% of the teacher's) and the next stage varies
the kept setting:

  1. shape          model widths (hard labels, the default training)
  2. training       epochs and learning rate of the stage-1 shape (hard labels)
  3. distillation   alpha, temperature, top-K and listwise weight from the teacher

The script never reads a test metric: the tables it writes hold validation figures only; test
figures come afterwards from `reclite pipeline` with the chosen settings (README). Finished runs
are kept in --work and reused, so the script can be rerun or resumed.

  python3 examples/smart-home/tune.py --reclite build/bin/reclite-release \\
      --work out/home-tune --results examples/smart-home/results
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = [
    "--user-column", "household", "--item-column", "action", "--timestamp-column", "timestamp",
    "--context-column", "hour", "--context-column", "weekday", "--context-column", "room",
    "--title-column", "action_name", "--feature-column", "device",
]
K = 3  # a hub shows three suggestions: NDCG@3 is the selection metric
BUDGET_SHARE = 0.10  # of the teacher's parameters

# Stage 1: shapes. Each list starts with the defaults before this sweep (EventLogDefaults).
SHAPES = {
    "two-tower": [
        {"dim": 8, "user-hidden": "32"},
        {"dim": 8, "output-dim": 12, "user-hidden": "32"},
        {"dim": 6, "output-dim": 16, "user-hidden": "32"},
        {"dim": 8, "output-dim": 16, "user-hidden": "24"},
        {"dim": 9, "user-hidden": "24"},
        {"dim": 10, "user-hidden": "none"},
    ],
    "student": [
        {"dim": 6, "hidden": "16,8"},
        {"dim": 8, "hidden": "16,8"},
        {"dim": 8, "hidden": "24"},
    ],
}
# Every run passes these explicitly (the event-log defaults before this sweep), so a change of
# the defaults does not change what a candidate means; a candidate's own settings override them.
BASE_TRAINING = {"epochs": 15, "learning-rate": 0.005, "negatives": 8}
# Stage 2: training of the kept shape (the default is 15 epochs at 0.005 with 8 sampled
# negatives per event, early stopping with patience 2 on validation NDCG@10).
TRAINING = {
    "two-tower": [
        {}, {"epochs": 30}, {"epochs": 30, "learning-rate": 0.01}, {"epochs": 30, "negatives": 24},
    ],
    # The DeepFM student trains 5-10 times slower (its MLP runs per candidate): fewer candidates.
    "student": [{}, {"epochs": 30}],
}
# Stage 3: the distillation loss (the event-log default first: alpha 0.5, T 1, no top-K, no
# listwise term).
_DISTILL_DEFAULT = {"alpha": 0.5, "temperature": 1, "top-k": 0, "listwise-weight": 0}
_DISTILL_LOW_ALPHA = {"alpha": 0.2, "temperature": 1, "top-k": 0, "listwise-weight": 0}
_DISTILL_LISTWISE = {"alpha": 0.5, "temperature": 1, "top-k": 0, "listwise-weight": 0.5, "listwise-temperature": 1,
                     "listwise-candidates": 0}
DISTILLATION = {
    "two-tower": [_DISTILL_DEFAULT, _DISTILL_LOW_ALPHA, _DISTILL_LISTWISE],
    "student": [_DISTILL_DEFAULT, _DISTILL_LOW_ALPHA, _DISTILL_LISTWISE],
}


RESULT_KEYS = ("parameters", "bytes", "ndcg", "hr", "best_epoch", "train_seconds")


def flags(settings):
    out = []
    for key, value in settings.items():
        out += ["--" + key, str(value)]
    return out


def label(settings):
    return " ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"


class Runner:
    def __init__(self, args):
        self.args = args
        self.common = ["--interactions", args.log] + COLUMNS + ["--seed", str(args.seed), "--quiet"]
        os.makedirs(args.work, exist_ok=True)

    def path(self, name, ext):
        return os.path.join(self.args.work, f"{name}-seed{self.args.seed}.{ext}")

    def run(self, name, command):
        """Runs one training (unless its metrics exist) and returns its metrics' validation part.

        A run still going from an earlier start of this script (its .pid file names a live process)
        is waited for instead of started again."""
        metrics = self.path(name, "json")
        marker = self.path(name, "pid")
        if not os.path.exists(metrics) and os.path.exists(marker):
            with open(marker) as f:
                pid = int(f.read())
            while alive(pid):
                time.sleep(5)
            if os.path.exists(metrics + ".part"):
                os.replace(metrics + ".part", metrics)
        if not os.path.exists(metrics):
            started = time.time()
            with open(self.path(name, "log"), "w") as log:
                process = subprocess.Popen(
                    [self.args.reclite] + command + self.common
                    + ["--out", self.path(name, "rlm"), "--metrics", metrics + ".part"],
                    stdout=log, stderr=subprocess.STDOUT)
                with open(marker, "w") as f:
                    f.write(str(process.pid))
                code = process.wait()
            if code != 0:
                sys.exit(f"{name}: reclite failed (exit {code}), see {self.path(name, 'log')}")
            os.replace(metrics + ".part", metrics)
            print(f"  {name}: {time.time() - started:.0f} s", flush=True)
        if os.path.exists(marker):
            os.remove(marker)
        with open(metrics) as f:
            record = json.load(f)
        at_k = next(m for m in record["validation"]["atK"] if m["k"] == K)
        history = record.get("training") or {}
        return {
            "parameters": record["parameters"], "bytes": record["bytes"], "ndcg": at_k["ndcg"], "hr": at_k["hr"],
            "best_epoch": history.get("bestEpoch"), "train_seconds": history.get("seconds"),
        }

    def teacher(self):
        if self.args.teacher is None:
            return self.run("teacher", ["train", "--model", "teacher"])
        # A teacher trained before (same log and seed): its validation metrics through `reclite eval`.
        result = subprocess.run(
            [self.args.reclite, "eval", self.args.teacher, "--split", "validation", "--json", "--interactions", self.args.log]
            + COLUMNS + ["--seed", str(self.args.seed)], check=True, capture_output=True, text=True)
        at_k = next(m for m in json.loads(result.stdout)["results"][self.args.teacher]["atK"] if m["k"] == K)
        return {"parameters": self.args.teacher_parameters, "bytes": os.path.getsize(self.args.teacher),
                "ndcg": at_k["ndcg"], "hr": at_k["hr"], "best_epoch": None, "train_seconds": None}

    def teacher_file(self):
        return self.args.teacher or self.path("teacher", "rlm")



def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def best(rows, budget):
    within = [r for r in rows if r["parameters"] <= budget]
    return max(within, key=lambda r: r["ndcg"]) if within else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reclite", required=True, help="the toolkit (a release build: make release-tool)")
    parser.add_argument("--log", help="the event log (default: generate the default home, --seed 1, into --work)")
    parser.add_argument("--work", required=True, help="models, logs and metrics of every run (reused on reruns)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"), help="where tune.md and tune.json go")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="trainings at a time")
    parser.add_argument("--models", default="two-tower,student", help="which students to tune")
    parser.add_argument("--teacher", help="a teacher .rlm already trained on the same log and seed (default: train one)")
    parser.add_argument("--teacher-parameters", type=int, help="with --teacher: its parameter count (the report's)")
    args = parser.parse_args()
    if (args.teacher is None) != (args.teacher_parameters is None):
        parser.error("--teacher and --teacher-parameters go together")
    os.makedirs(args.work, exist_ok=True)
    if args.log is None:
        args.log = os.path.join(args.work, "home.csv")
        if not os.path.exists(args.log):
            subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--out", args.log, "--seed", "1"], check=True)
    runner = Runner(args)
    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    background = concurrent.futures.ThreadPoolExecutor(1 + len(args.models.split(",")))
    teacher = background.submit(runner.teacher)
    tuned = [background.submit(tune, model, runner, pool, teacher) for model in args.models.split(",")]
    rows, chosen = [], {}
    for future in tuned:
        model_rows, model_choice = future.result()
        rows += model_rows
        chosen[model_choice["model"]] = model_choice
    teacher = teacher.result()
    write(args, teacher, int(teacher["parameters"] * BUDGET_SHARE), rows, chosen)


def tune(model, runner, pool, teacher):
    """Stages 1-3 for one student; its runs share `pool` with the other student's."""
    tag = "tt" if model == "two-tower" else "fm"
    rows = []

    def stage(number, what, candidates, distill=False):
        planned = []
        for shape, training, loss in candidates:
            name = f"{tag}-{number}-" + "-".join(
                f"{k}{v}".replace(",", "x").replace(".", "p") for k, v in {**shape, **training, **loss}.items())
            command = ["distill", "--teacher", runner.teacher_file()] if distill else ["train"]
            command += ["--model", model] + flags(shape) + flags({**BASE_TRAINING, **training}) + flags(loss)
            planned.append((name, command, shape, training, loss))
        if distill:
            teacher.result()
        # A candidate an earlier stage already ran (the kept setting itself) is not trained again.
        earlier = {json.dumps([r["shape"], r["training"], r["distillation"]]): r for r in rows}
        new = [job for job in planned if json.dumps(job[2:]) not in earlier]
        results = dict(zip([job[0] for job in new], pool.map(lambda job: runner.run(job[0], job[1]), new)))
        stage_rows = []
        for name, _, shape, training, loss in planned:
            repeated = earlier.get(json.dumps([shape, training, loss]))
            result = results[name] if repeated is None else {k: repeated[k] for k in RESULT_KEYS}
            stage_rows.append({"model": model, "stage": number, "what": what, "run": repeated["run"] if repeated else name,
                               "shape": shape, "training": training, "distillation": loss, **result})
        rows.extend(stage_rows)
        return stage_rows

    print(f"{model}, stage 1: shape", flush=True)
    s1 = stage(1, "shape", [(s, {}, {}) for s in SHAPES[model]])
    # The budget needs the teacher's size: stage 1 runs beside the teacher's training.
    budget = int(teacher.result()["parameters"] * BUDGET_SHARE)
    shape = best(s1, budget)["shape"]
    print(f"{model}, stage 2: training of {label(shape)}", flush=True)
    training = best(stage(2, "training", [(shape, t, {}) for t in TRAINING[model]]), budget)["training"]
    print(f"{model}, stage 3: distillation with {label(shape)} {label(training)}", flush=True)
    return rows, best(stage(3, "distillation", [(shape, training, d) for d in DISTILLATION[model]], distill=True), budget)


def write(args, teacher, budget, rows, chosen):
    os.makedirs(args.results, exist_ok=True)
    document = {
        "log": args.log, "seed": args.seed, "metric": f"validation NDCG@{K}", "budget_parameters": budget,
        "teacher": teacher, "runs": rows,
        "chosen": {m: {k: r[k] for k in ("shape", "training", "distillation", "ndcg", "hr", "parameters")}
                   for m, r in chosen.items()},
    }
    with open(os.path.join(args.results, "tune.json"), "w") as f:
        json.dump(document, f, indent=1, sort_keys=True)
    t = teacher["ndcg"]
    lines = [
        "# Smart-home students chosen on the validation split",
        "",
        f"Written by `examples/smart-home/tune.py` (seed {args.seed}; every figure is validation NDCG@{K} "
        f"and HR@{K} of the exported f32 file through the runtime; no test figure is read). "
        f"Teacher: {teacher['parameters']:,} parameters, NDCG@{K} {t:.4f}, HR@{K} {teacher['hr']:.4f}; "
        f"budget {budget:,} parameters (10%); 95% of the teacher is {0.95 * t:.4f}.",
        "",
        "| model | stage | setting | parameters | % of teacher | NDCG@3 | % of teacher's | HR@3 | best epoch | train s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        setting = label({**r["shape"], **r["training"], **r["distillation"]})
        over = "" if r["parameters"] <= budget else " (over budget)"
        mark = " **chosen**" if chosen.get(r["model"]) is r else ""
        lines.append(
            f"| {r['model']} | {r['stage']} {r['what']} | {setting}{over}{mark} | {r['parameters']:,} | "
            f"{100 * r['parameters'] / teacher['parameters']:.1f}% | {r['ndcg']:.4f} | {100 * r['ndcg'] / t:.1f}% | "
            f"{r['hr']:.4f} | {r['best_epoch']} | {r['train_seconds'] or 0:.0f} |")
    lines.append("")
    for model, r in chosen.items():
        lines.append(f"- **{model}**: {label({**r['shape'], **r['training'], **r['distillation']})}: "
                     f"validation NDCG@{K} {r['ndcg']:.4f} = {100 * r['ndcg'] / t:.1f}% of the teacher's, "
                     f"{r['parameters']:,} parameters ({100 * r['parameters'] / teacher['parameters']:.1f}%).")
    with open(os.path.join(args.results, "tune.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
