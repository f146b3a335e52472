"""Shared fixtures: the bundled sample, read once per session, and the stores that hold it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plankg import sample_plan_path
from plankg.extraction import build_document, read_plan
from plankg.extraction.pipeline import read
from plankg.graph.build import build_dataset
from plankg.graph.stores import OxigraphStore, RdflibStore, RemoteStore


@pytest.fixture(scope="session")
def sample_doc():
    return build_document(read_plan(sample_plan_path()))


@pytest.fixture(scope="session")
def sample_text() -> str:
    return Path(sample_plan_path()).read_text(encoding="utf-8")


# The sample's graph in each kind of store: Oxigraph, rdflib in memory, and the Virtuoso .ci/run starts.
@pytest.fixture(scope="session")
def sample_dataset():
    return build_dataset([read(sample_plan_path())])


@pytest.fixture(scope="session")
def oxigraph(sample_dataset, tmp_path_factory):
    store = OxigraphStore(tmp_path_factory.mktemp("store"))
    store.load_dataset(sample_dataset)
    return store


@pytest.fixture(scope="session")
def in_memory(sample_dataset):
    return RdflibStore(dataset=sample_dataset)


@pytest.fixture(scope="session")
def virtuoso(sample_dataset):
    endpoint = os.environ.get("PLANKG_TEST_ENDPOINT")
    if not endpoint:
        pytest.skip("no test triplestore: .ci/run starts Virtuoso and sets PLANKG_TEST_ENDPOINT")
    store = RemoteStore(endpoint, gsp=os.environ["PLANKG_TEST_GSP"], user=os.environ.get("PLANKG_TEST_USER"),
                        password=os.environ.get("PLANKG_TEST_PASSWORD"), graph_param="graph-uri")
    store.load_dataset(sample_dataset)
    return store
