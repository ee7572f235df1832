"""The progress lines under the training buttons: epoch, step, speed and time left."""

from __future__ import annotations

WINDOW = 50  # steps over which the speed is measured: recent enough, yet steady


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_text(history, epochs=None) -> str:
    """Two lines: "epoch 3/100 · step 45/1500", then "12,345 samples/s · 0:12 left"."""
    meta = history.meta
    total = int(meta.get("total_steps", 0))
    per_epoch = int(meta.get("steps_per_epoch", 0)) or 1
    done = len(history)
    epochs = epochs or (total // per_epoch if total else 0)
    epoch = min(done // per_epoch + 1, epochs) if epochs else done // per_epoch + 1
    parts = [f"epoch {epoch}/{epochs}", f"step {done}/{total}"]
    times = history.steps["time"]
    if done >= 2:
        k = min(WINDOW, done - 1)
        elapsed = times[-1] - times[-1 - k]
        if elapsed > 0:
            steps_per_s = k / elapsed
            batch = int(meta.get("batch_size", 1))
            parts.append(f"{steps_per_s * batch:,.0f} samples/s")
            if total > done:
                parts.append(f"{_duration((total - done) / steps_per_s)} left")
    return " · ".join(parts[:2]) + ("\n" + " · ".join(parts[2:]) if parts[2:] else "")
