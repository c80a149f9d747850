"""Compute chunks on an existing Dask distributed cluster (``dask scheduler`` + ``dask worker``).

Workers only compute: each task is :func:`straitsim.runners.pool.compute_chunk` on one chunk,
and returns its arrays to the client, which alone writes to the results database. A worker
that dies mid-chunk loses nothing: the scheduler reruns its tasks elsewhere, and since a
chunk's results depend only on (scenario, seed, replication range), the rerun gives the same
numbers bit for bit.

Every worker must run the same straitsim code as the client (the code version is part of each
chunk's key); the runner checks that on connection and again on every result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from straitsim.errors import UserError
from straitsim.runners.keys import digest
from straitsim.runners.pool import Done, Job, code_version, compute_chunk

ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")
EXPECTED = "the address of a running `dask scheduler`, e.g. tcp://127.0.0.1:8786"


def check_address(address: str) -> str:
    """Validate ``tcp://HOST:PORT`` (or ``tls://``); return it stripped."""
    a = address.strip()
    m = ADDRESS.match(a)
    if m is None or not 0 < int(m.group(3)) < 65536:
        raise UserError(
            "bad cluster address", key="--cluster", expected=EXPECTED, found=repr(address)
        )
    return a


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _worker_version() -> str:
    return code_version()


class DaskRunner:
    """Submit chunks to the Dask scheduler at ``address``; yield results as they arrive.

    Parameters
    ----------
    address
        ``tcp://HOST:PORT`` of the scheduler.
    timeout_s
        How long to wait for the scheduler to answer and for at least one worker.
    window_per_worker
        Chunks kept in flight per worker (bounds memory on the client).
    """

    name = "dask"

    def __init__(self, address: str, timeout_s: float = 10.0, window_per_worker: int = 4) -> None:
        from distributed import Client as _Client

        Client: Any = _Client  # distributed is untyped

        self.address = check_address(address)
        self.window_per_worker = window_per_worker
        import dask

        try:
            with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout_s}s"}):
                self.client = Client(self.address, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UserError(
                "cannot reach the Dask scheduler",
                key="--cluster",
                expected=EXPECTED,
                found=f"{self.address}: {_first_line(exc)}",
            ) from None
        try:
            try:
                self.client.wait_for_workers(1, timeout=timeout_s)
            except (TimeoutError, OSError):
                raise UserError(
                    "the Dask scheduler has no workers",
                    key="--cluster",
                    expected="at least one `dask worker " + self.address + "`",
                    found=f"none after {timeout_s:g} s",
                ) from None
            mine = code_version()
            versions = self.client.run(_worker_version)
            bad = {w: v for w, v in versions.items() if v != mine}
            if bad:
                w, v = sorted(bad.items())[0]
                raise UserError(
                    "a Dask worker runs other straitsim code",
                    key="--cluster",
                    expected=f"code version {mine} on every worker",
                    found=f"{v} on {w}",
                )
        except BaseException:
            self.client.close()
            raise

    @property
    def n_workers(self) -> int:
        """Workers currently connected to the scheduler."""
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})))

    def imap(self, jobs: Iterable[Job]) -> Iterator[Done]:
        """Submit jobs in a sliding window; yield ``(key, trajectory, info)`` as they finish."""
        from distributed import as_completed as _as_completed

        as_completed: Any = _as_completed

        it = iter(jobs)
        mine = code_version()
        futures: dict[Any, Any] = {}
        ac = as_completed(loop=self.client.loop)

        def submit_one() -> bool:
            try:
                key, params = next(it)
            except StopIteration:
                return False
            task_key = "straitsim-chunk-" + digest(
                key.scenario_hash, key.seed, key.chunk_offset, key.chunk_size, key.code_version
            )
            fut = self.client.submit(
                compute_chunk, params, key, key=task_key, pure=False, retries=2
            )
            futures[fut] = key
            ac.add(fut)
            return True

        for _ in range(self.window_per_worker * self.n_workers):
            if not submit_one():
                break
        try:
            for fut in ac:
                key = futures.pop(fut)
                traj, info = fut.result()
                fut.release()
                if info.get("code_version") != mine:
                    raise UserError(
                        "a Dask worker runs other straitsim code",
                        key="--cluster",
                        expected=f"code version {mine} on every worker",
                        found=f"{info.get('code_version')} on {info.get('worker')}",
                    )
                yield key, traj, info
                submit_one()
        finally:
            for fut in list(futures):
                fut.cancel()
            futures.clear()

    def close(self) -> None:
        """Disconnect from the scheduler (the cluster keeps running)."""
        self.client.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
