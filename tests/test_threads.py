"""``--threads N`` limits torch and the BLAS numpy calls (training.threads): the golden model's products run
in BLAS when a run is packaged."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, torch
from threadpoolctl import threadpool_info
from training.threads import use_threads
use_threads(1)
print(json.dumps([torch.get_num_threads(), [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]]))
"""


def test_use_threads_limits_torch_and_every_blas() -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
    r = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, env=env)
    assert r.returncode == 0, r.stderr
    torch_threads, blas = json.loads(r.stdout)
    assert torch_threads == 1 and blas and set(blas) == {1}
