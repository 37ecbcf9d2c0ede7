"""A run's metrics.jsonl (append, read, cut back after a resume) and its PNG plots: every
trainer writes one JSON object per line and draws its curves from them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from go_engine.atomic_io import write_atomic, write_text_atomic


def append_metric(path: Path, record: dict[str, Any]) -> None:
    """One metrics line; a kill can at worst cut the last line, which ``read_metrics`` skips."""
    with open(path, "a") as handle:
        handle.write(json.dumps(record) + "\n")


def read_metrics(path: str | Path) -> list[dict]:
    rows = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a kill
    return rows


def truncate_metrics(path: Path, key: str, last: int) -> None:
    """After a resume, drop the lines written after the checkpoint (``key`` > ``last``), so the
    resumed run does not log the same steps twice."""
    if not path.is_file():
        return
    keep = []
    for line in path.read_text().splitlines():
        try:
            if json.loads(line).get(key, 0) <= last:
                keep.append(line)
        except json.JSONDecodeError:
            continue
    write_text_atomic(path, "".join(k + "\n" for k in keep))


def save_figure(fig: Any, png_path: str | Path, dpi: int = 100) -> None:
    """Write a matplotlib figure atomically (a plot being read is never half written) and close it."""
    import matplotlib.pyplot as plt
    png_path = Path(png_path)
    try:
        write_atomic(png_path, lambda handle: fig.savefig(handle, dpi=dpi, format="png"))
    finally:
        plt.close(fig)


def plot_metrics(metrics_path: str | Path, png_path: str | Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = read_metrics(metrics_path)
    train = [r for r in rows if r.get("kind") == "train"]
    val = [r for r in rows if r.get("kind") == "val"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    if train:
        ax_loss.plot([r["step"] for r in train], [r["loss"] for r in train], label="train", lw=0.8)
        ax_acc.plot([r["step"] for r in train], [r["acc"] for r in train], label="train top-1", lw=0.8)
    if val:
        ax_loss.plot([r["step"] for r in val], [r["loss"] for r in val], "o-", label="val")
        ax_acc.plot([r["step"] for r in val], [r["acc"] for r in val], "o-", label="val top-1")
        ax_acc.plot([r["step"] for r in val], [r["top5"] for r in val], "s--", label="val top-5")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("cross-entropy (nats)")
    ax_acc.set_xlabel("step")
    ax_acc.set_ylabel("accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    save_figure(fig, png_path)
