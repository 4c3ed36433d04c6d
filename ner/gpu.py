"""The GPU: readings through NVML (the ``pynvml`` module of ``nvidia-ml-py``), and Hugging Face ZeroGPU.

On a Space with ZeroGPU hardware a GPU is attached only while a function decorated with
``spaces.GPU`` runs: :func:`gpu` gives that decorator when the ``spaces`` package is there,
and one that changes nothing everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PREDICT_SECONDS = 60  # what ZeroGPU grants one prediction call
TRAIN_SECONDS = 1800  # ... and one training run


def gpu(duration: int) -> Callable[[Callable], Callable]:
    """``spaces.GPU(duration=...)`` when ``spaces`` is importable, else a decorator that does nothing."""
    try:
        import spaces
    except ImportError:
        return lambda fn: fn
    return spaces.GPU(duration=duration)


@dataclass(frozen=True)
class GpuReading:
    """One reading of one GPU; memory in MiB, utilisation in percent."""

    index: int
    name: str
    memory_used_mib: float
    memory_total_mib: float
    utilization_percent: int

    def describe(self) -> str:
        return (
            f"GPU {self.index}: {self.name}, {self.memory_used_mib:,.0f} / {self.memory_total_mib:,.0f} MiB, "
            f"{self.utilization_percent}% busy"
        )


def read_gpus() -> list[GpuReading]:
    """Readings of every visible GPU; an empty list when there is no GPU or no NVIDIA driver."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:  # NVMLError_LibraryNotFound / DriverNotLoaded, or the module missing
        return []
    try:
        readings = []
        for i in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(i)
            name = pynvml.nvmlDeviceGetName(handle)
            mem = pynvml.nvmlDeviceGetMemoryInfo(handle)
            util = pynvml.nvmlDeviceGetUtilizationRates(handle)
            readings.append(
                GpuReading(
                    i,
                    name.decode() if isinstance(name, bytes) else str(name),
                    mem.used / 2**20,
                    mem.total / 2**20,
                    int(util.gpu),
                )
            )
        return readings
    except pynvml.NVMLError:
        return []
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass


def describe_gpus(readings: list[GpuReading] | None = None) -> str:
    """One line per GPU, or the sentence that says training runs on the CPU."""
    readings = read_gpus() if readings is None else readings
    return "\n".join(r.describe() for r in readings) if readings else "No GPU: training on the CPU."
