"""Benchmark and simulation of the Fay–Herriot engine (docs/design.md §14).

usage: .venv/bin/python bench/small_area.py [speed|simulation|all] [SAMPLES]   (default all, 200)

speed: fit + MSE (``estimate_areas``: Fisher scoring, EBLUP, MSE of every commune, synthetic
  estimates for the communes without interviews) for 99 communes with 3 covariates, each
  method; *cold* is the first call in a fresh process (imports excluded), *warm* the best of
  50 later calls. R: ``eblupFH`` + ``mseFH`` of sae 1.3 sourced from ``SAE_R_DIR`` (its
  ``eblupFH.R`` and ``mseFH.R`` from the public repository cran/sae; not packaged in Debian),
  on the same 60 communes with interviews, median of 50 calls after one warm-up, timed
  in R with ``proc.time`` (reading the CSV excluded). Skipped when ``SAE_R_DIR`` is unset.

simulation: a synthetic 2026 frame of 99 communes (8–30 villages of 60–200 households; the
  true commune share of households with fiber is logistic(−0.4 + 1.6·x₁ − 0.8·x₂ + v_d),
  v_d ~ N(0, 0.35²), with a village effect N(0, 0.4²) on the logit scale; x₁, x₂ are the
  commune covariates the model is given, known everywhere). Each of SAMPLES samples draws
  about 60 communes by Poisson PPS on household counts, 2–6 villages per commune by SRS (by
  commune size) and 10 households per village by SRS; weights are inverse inclusion
  probabilities. Per sample, exactly as the service does: the direct estimate per commune
  with its logit CI (design: stratum = commune, PSU = village), ψ (``pooled``, the default,
  then ``smoothed`` from the province estimate), the REML fit, EBLUP/synthetic with √MSE
  intervals (θ̃ ± 1.96√MSE), and the publication rule. Per commune size class (interviews in
  the sample): MSE of the direct and the model estimate against the commune's true share,
  coverage of their 95 % intervals, and what is published.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import best_ms
from scoring import Design, Estimand, Reliability, estimate
from scoring.small_area import FitMethod, Source, estimate_areas, publish, sampling_variances

OUT = Path(__file__).resolve().parent / "out"
COMMUNES, SAMPLED, HOUSEHOLDS_PER_VILLAGE = 99, 60, 10
R_TIMING = """
args <- commandArgs(trailingOnly = TRUE)
source(file.path(args[1], "eblupFH.R")); source(file.path(args[1], "mseFH.R"))
d <- read.csv(args[2])
X <- cbind(1, as.matrix(d[, c("x1", "x2", "x3")]))
for (method in c("REML", "ML", "FH")) {
  run <- function() { e <- eblupFH(d$y ~ X - 1, d$psi, method = method)
                      m <- mseFH(d$y ~ X - 1, d$psi, method = method) }
  run()
  times <- sapply(1:50, function(i) { t0 <- proc.time()[["elapsed"]]; run();
                                      proc.time()[["elapsed"]] - t0 })
  cat(sprintf("%s %.3f\\n", method, 1000 * median(times)))
}
"""


def speed_data(seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """99 communes, 60 with a direct estimate; ψ smoothed from interview counts."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(COMMUNES), rng.uniform(0, 1, (COMMUNES, 3))])
    truth = x @ [0.2, 0.4, -0.1, 0.2] + rng.normal(0, 0.06, COMMUNES)
    n = np.zeros(COMMUNES)
    n[rng.choice(COMMUNES, SAMPLED, replace=False)] = rng.integers(10, 80, SAMPLED)
    psi = sampling_variances("smoothed", np.array([]), n, 0.008, int(n.sum()))
    direct = np.where(n > 0, truth + rng.normal(0, np.sqrt(np.nan_to_num(psi, nan=1.0))), np.nan)
    return direct, psi, x


def speed() -> None:
    direct, psi, x = speed_data()
    print("| method | ours cold (ms) | ours warm (ms) | R eblupFH + mseFH (ms) |")
    print("|---|---|---|---|")
    r_ms = r_timings(direct, psi, x)
    for method in FitMethod:
        start = time.perf_counter()
        estimate_areas(direct, psi, x, method)
        cold = (time.perf_counter() - start) * 1000
        warm = best_ms(lambda m=method: estimate_areas(direct, psi, x, m), repeat=50)
        r = r_ms.get(method.value.upper())
        print(f"| {method.value} | {cold:.2f} | {warm:.2f} | {'—' if r is None else f'{r:.1f}'} |")
    print(f"(load average {os.getloadavg()[0]:.2f})")


def r_timings(direct: np.ndarray, psi: np.ndarray, x: np.ndarray) -> dict[str, float]:
    sae_dir = os.environ.get("SAE_R_DIR")
    if not sae_dir or shutil.which("Rscript") is None:
        print("(R skipped: set SAE_R_DIR to a folder with sae's eblupFH.R and mseFH.R)")
        return {}
    OUT.mkdir(exist_ok=True)
    data, script = OUT / "small_area.csv", OUT / "small_area.R"
    inside = np.isfinite(direct)
    rows = np.column_stack([direct[inside], psi[inside], x[inside, 1:]])
    np.savetxt(data, rows, delimiter=",", header="y,psi,x1,x2,x3", comments="", fmt="%.17g")
    script.write_text(R_TIMING)
    out = subprocess.run(
        ["Rscript", str(script), sae_dir, str(data)], capture_output=True, text=True, check=True
    )
    return {line.split()[0]: float(line.split()[1]) for line in out.stdout.splitlines()}


class Frame:
    """The synthetic 2026 frame: communes → villages → households with a fiber flag."""

    def __init__(self, seed: int = 2026) -> None:
        rng = np.random.default_rng(seed)
        self.x = rng.uniform(0, 1, (COMMUNES, 2))
        eta = -0.4 + 1.6 * self.x[:, 0] - 0.8 * self.x[:, 1] + rng.normal(0, 0.35, COMMUNES)
        self.villages: list[list[np.ndarray]] = []
        for d in range(COMMUNES):
            households = rng.integers(60, 201, rng.integers(8, 31))
            p = 1 / (1 + np.exp(-(eta[d] + rng.normal(0, 0.4, len(households)))))
            self.villages.append([rng.random(h) < pv for h, pv in zip(households, p, strict=True)])
        self.size = np.array([sum(len(v) for v in vs) for vs in self.villages])
        self.truth = np.array([np.concatenate(vs).mean() for vs in self.villages])

    def sample(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        pi = np.minimum(1.0, SAMPLED * self.size / self.size.sum())
        rows: dict[str, list] = {"y": [], "w": [], "commune": [], "village": []}
        for d in np.flatnonzero(rng.random(COMMUNES) < pi):
            villages = self.villages[d]
            k = int(np.clip(self.size[d] // 700, 2, 6))
            for v in rng.choice(len(villages), k, replace=False):
                chosen = rng.choice(len(villages[v]), HOUSEHOLDS_PER_VILLAGE, replace=False)
                weight = len(villages[v]) / HOUSEHOLDS_PER_VILLAGE * len(villages) / k / pi[d]
                rows["y"] += list(villages[v][chosen].astype(float))
                rows["w"] += [weight] * HOUSEHOLDS_PER_VILLAGE
                rows["commune"] += [d] * HOUSEHOLDS_PER_VILLAGE
                rows["village"] += [f"{d}-{v}"] * HOUSEHOLDS_PER_VILLAGE
        return {key: np.array(values) for key, values in rows.items()}


SIZE_CLASSES = (("none", 0, 0), ("20", 1, 20), ("30", 21, 30), ("40–50", 31, 10**6))


def one_sample(frame: Frame, rng: np.random.Generator, variance: str) -> dict[str, np.ndarray]:
    s = frame.sample(rng)
    design = Design(s["w"], strata=s["commune"], psu=s["village"])
    province = estimate(design, Estimand.proportion(s["y"]))[0]
    by = {r.domain: r for r in estimate(design, Estimand.proportion(s["y"]), domain=s["commune"])}
    n = np.array([by[d].n if d in by else 0 for d in range(COMMUNES)], dtype=float)
    direct = np.array([by[d].estimate if d in by else np.nan for d in range(COMMUNES)])
    se = np.array([by[d].se or np.nan if d in by else np.nan for d in range(COMMUNES)])
    psi = sampling_variances(variance, se, n, province.se, province.n)
    covariates = np.column_stack([np.ones(COMMUNES), frame.x])
    areas = estimate_areas(direct, psi, covariates, "reml")
    out = {
        key: np.full(COMMUNES, np.nan)
        for key in (
            "direct_err2",
            "direct_cover",
            "model_err2",
            "model_cover",
            "pub_err2",
            "pub_cover",
            "withheld",
            "source_model",
        )
    }
    for d in range(COMMUNES):
        truth = frame.truth[d]
        r = by.get(d)
        if r is not None and r.ci_low is not None:
            out["direct_err2"][d] = (r.estimate - truth) ** 2
            out["direct_cover"][d] = r.ci_low <= truth <= r.ci_high
        low, high = (
            areas.estimate[d] - 1.96 * areas.rmse[d],
            areas.estimate[d] + 1.96 * areas.rmse[d],
        )
        out["model_err2"][d] = (areas.estimate[d] - truth) ** 2
        out["model_cover"][d] = low <= truth <= high
        publishable = r is not None and r.reliability in (Reliability.OK, Reliability.REVIEW)
        decision = publish(
            publishable,
            (r.estimate, r.ci_low, r.ci_high) if publishable else None,
            r is not None,
            areas.estimate[d],
            areas.rmse[d],
            is_rate=True,
            sigma2_v_zero=areas.fit.sigma2_v == 0,
        )
        out["withheld"][d] = decision.source is Source.WITHHELD
        out["source_model"][d] = decision.source is Source.MODEL
        if decision.estimate is not None:
            out["pub_err2"][d] = (decision.estimate - truth) ** 2
            out["pub_cover"][d] = decision.ci_low <= truth <= decision.ci_high
    out["n"] = n
    out["sigma2_v_zero"] = np.full(COMMUNES, areas.fit.sigma2_v == 0)
    return out


def simulation(samples: int, variance: str) -> None:
    frame = Frame()
    rng = np.random.default_rng(14)
    start = time.perf_counter()
    runs = [one_sample(frame, rng, variance) for _ in range(samples)]
    print(f"variance={variance}:", end=" ")
    seconds = time.perf_counter() - start
    stacked = {key: np.concatenate([r[key] for r in runs]) for key in runs[0]}
    print(
        f"{samples} samples of ~{int(np.mean([np.sum(r['n']) for r in runs]))} households "
        f"in ~{np.mean([np.sum(r['n'] > 0) for r in runs]):.0f} communes; "
        f"{seconds:.1f} s; σ̂²_v = 0 in {np.mean([r['sigma2_v_zero'][0] for r in runs]):.0%}"
    )
    for zero in (False, True):
        pick = stacked["sigma2_v_zero"] == zero
        print(
            f"model interval coverage when σ̂²_v {'=' if zero else '>'} 0: "
            f"{np.nanmean(stacked['model_cover'][pick]):.1%}"
        )
    print(
        "| interviews in the commune | commune-samples | direct: RMSE | direct: coverage | "
        "model: RMSE | model: coverage | published: direct / model / withheld | "
        "published: RMSE | published: coverage |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, low, high in SIZE_CLASSES:
        pick = (stacked["n"] >= low) & (stacked["n"] <= high)

        def rmse(key: str, pick: np.ndarray = pick) -> str:
            values = stacked[key][pick]
            values = values[np.isfinite(values)]
            return "—" if len(values) == 0 else f"{np.sqrt(values.mean()) * 100:.1f} pt"

        def share(key: str, pick: np.ndarray = pick) -> str:
            values = stacked[key][pick]
            values = values[np.isfinite(values)]
            return "—" if len(values) == 0 else f"{values.mean():.1%}"

        model = stacked["source_model"][pick].mean()
        withheld = stacked["withheld"][pick].mean()
        print(
            f"| {name} | {pick.sum()} | {rmse('direct_err2')} | {share('direct_cover')} | "
            f"{rmse('model_err2')} | {share('model_cover')} | "
            f"{max(1 - model - withheld, 0.0):.0%} / {model:.0%} / {withheld:.0%} | "
            f"{rmse('pub_err2')} | {share('pub_cover')} |"
        )


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    if which in ("speed", "all"):
        speed()
    if which in ("simulation", "all"):
        for variance in ("pooled", "smoothed"):
            simulation(samples, variance)


if __name__ == "__main__":
    main()
