"""Same plan, same bytes: in processes with different hash seeds, with no clock in the output."""

from __future__ import annotations

import os

import pytest

from support import run_cli, shared_plan


def run_with_seed(seed: str, *args: str) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONHASHSEED"] = seed
    done = run_cli(*args, env=env)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode().splitlines(), b.decode().splitlines()
    diff = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
    return f"line {diff + 1}: {la[diff:diff + 1]} != {lb[diff:diff + 1]}"


def test_sample_graph_is_the_same_bytes_under_two_hash_seeds():
    one, two = run_with_seed("1", "build", "--format", "nq"), run_with_seed("2", "build", "--format", "nq")
    assert len(one) > 100_000
    assert one == two, first_difference(one, two)


@pytest.mark.parametrize("command", ["projects", "places"])
def test_shared_plan_entities_are_the_same_bytes_under_two_hash_seeds(command):
    plan = str(shared_plan("national-12th.md"))
    one, two = run_with_seed("1", command, "--json", plan), run_with_seed("2", command, "--json", plan)
    assert one == two, first_difference(one, two)
