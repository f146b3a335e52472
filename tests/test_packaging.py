"""The wheel: it carries every data file, and the CLI runs from it outside the checkout.

Slow (a wheel build and a fresh virtual environment) but always run: a wheel that crashes on
install is the first thing a new user meets. The fresh environment gets the wheel itself; its
dependencies come from the test environment's site-packages through a .pth file, so that the
test needs no network and still imports plankg only from the installed wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from support import REPO

# Source folders that become packages (pyproject [tool.setuptools.package-dir]).
PACKAGE_DIRS = {"plankg": "plankg", "extraction": "plankg/extraction", "graph": "plankg/graph",
                "api": "plankg/api", "queries": "plankg/queries", "ontology": "plankg/ontology"}


def tracked_files() -> set[str]:
    """Every file git tracks in a package folder (modules and data), as its path inside the wheel."""
    out = subprocess.run(["git", "ls-files", *PACKAGE_DIRS], cwd=REPO, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout: cannot list the tracked data files")
    files = set()
    for path in out.stdout.split():
        top, _, rest = path.partition("/")
        if rest:
            files.add(f"{PACKAGE_DIRS[top]}/{rest}")
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = out.glob("plankg-*.whl")
    return path


def test_wheel_carries_every_module_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(tracked_files() - names)
    assert not missing, f"files not in the wheel (add them to packages or package-data): {missing}"
    assert "plankg/ontology/lexicon/project-heads.txt" in names


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # Dependencies from the test environment (after the fresh site-packages, so the wheel wins).
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return bin_dir


def run_installed(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(bin_dir / "plankg"), *args], cwd=cwd, env=env, capture_output=True, timeout=600)


def test_installed_wheel_imports_from_itself(installed, tmp_path):
    where = subprocess.run([str(installed / "python"), "-c", "import plankg; print(plankg.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.parent), where.stdout


def test_installed_cli_reads_and_builds_the_sample(installed, tmp_path):
    outline = run_installed(installed, tmp_path, "outline")
    assert outline.returncode == 0, outline.stderr.decode()[-2000:]
    assert "章 chapters" in outline.stdout.decode()
    projects = run_installed(installed, tmp_path, "projects", "--json")  # reads the lexicon files
    assert projects.returncode == 0, projects.stderr.decode()[-2000:]
    built = run_installed(installed, tmp_path, "build", "-o", str(tmp_path / "sample.trig"))
    assert built.returncode == 0, built.stderr.decode()[-2000:]
    assert (tmp_path / "sample.trig").stat().st_size > 100_000
