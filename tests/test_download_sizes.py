"""A run's downloads say how large they are before the click (`downloads.zip_size`, the Train page's Export buttons):
the folder a zip would hold, or the merged model's size told from its base's weights before it is built, "up to"
(a zip is never larger than its files; the default model's merged zip is 60% of them); the exact size once a current
zip is on disk; a GGUF file not written yet "about" its q8_0 size. Nothing is built to tell it."""

from __future__ import annotations

import os
import time

import pytest
from streamlit.testing.v1 import AppTest

from ftlib import downloads, export
from ftlib.disk_use import tree_bytes
from ftlib.integrity import stored_parameters
from ftlib.stored_data import size_words
from ftlib.testing import make_random_adapter, make_run
from tests.test_pages_train import fake_adapter, page


@pytest.fixture(scope="module")
def adapter(tiny_model_dir, tmp_path_factory):
    from transformers import AutoTokenizer

    folder = make_random_adapter(str(tiny_model_dir), tmp_path_factory.mktemp("made") / "adapter", b_std=0.3)
    AutoTokenizer.from_pretrained(str(tiny_model_dir)).save_pretrained(str(folder))  # as a run saves it
    return folder


def sizes(run) -> dict[str, tuple[int, str] | None]:
    return {item.kind: downloads.zip_size(run, item) for item in downloads.downloads(run)}


def test_the_merged_size_is_told_before_it_is_built_and_is_exact_once_its_zip_is_there(tiny_model_dir, adapter):
    run = make_run("r-sizes", {"dataset": "d", "model": str(tiny_model_dir)}, adapter=adapter)
    before = sizes(run)
    assert before["adapter"] == (tree_bytes(run.adapter_dir), "up to")
    assert not run.merged_dir.exists() and not run.exports_dir.exists()  # telling it built nothing
    told, qualifier = before["merged"]
    merged = export.export_merged(run)
    # The base's weights in the dtype they are saved in, with its tokenizer (which outweighs a tiny model's weights):
    # within 2% of the folder built, and the zip no larger than that folder.
    assert qualifier == "up to" and told == pytest.approx(tree_bytes(merged), rel=0.02)
    assert sizes(run)["merged"] == (tree_bytes(merged), "up to")  # built: its folder's own size
    archive = export.zip_folder(merged)
    assert archive.stat().st_size <= tree_bytes(merged)
    assert sizes(run)["merged"] == (archive.stat().st_size, "")  # the zip a click would send, as it is
    later = time.time() + 60
    os.utime(merged / "config.json", (later, later))  # the folder changed since: a click zips it again
    assert sizes(run)["merged"] == (tree_bytes(merged), "up to")


def test_a_gguf_file_not_written_yet_is_about_its_q8_0_size(tiny_model_dir):
    from gguf import GGML_QUANT_SIZES, GGMLQuantizationType

    run = make_run("r-full", {"dataset": "d", "method": "full"}, model=tiny_model_dir)  # on the default model
    told = sizes(run)
    assert told["model"] == (tree_bytes(run.model_dir), "up to")
    block, block_bytes = GGML_QUANT_SIZES[GGMLQuantizationType.Q8_0]  # llama.cpp's: 32 weights in 34 bytes
    assert told["gguf"] == (round(stored_parameters(run.model_dir) * block_bytes / block), "about")
    folder = export.gguf_dir(run, "q8_0")  # written by an earlier download: its files' size
    folder.mkdir()
    (folder / "r-full.gguf").write_bytes(b"\0" * 5000)
    assert sizes(run)["gguf"] == (5000, "up to")


def test_a_base_that_is_gone_tells_no_size_and_the_page_still_offers_the_download(tiny_model_dir, tmp_path):
    run = make_run("r-gone", {"dataset": "d", "model": str(tmp_path / "moved-model")}, adapter=fake_adapter(tmp_path))
    assert sizes(run) == {"adapter": (tree_bytes(run.adapter_dir), "up to"), "merged": None}


def test_the_export_buttons_show_the_size_in_their_label_and_say_how_it_was_told(tiny_model_dir, tmp_path):
    run = make_run("r-page", {"dataset": "d", "model": str(tiny_model_dir)}, adapter=fake_adapter(tmp_path))
    at: AppTest = page(tiny_model_dir)
    at.session_state["train_selected"] = "r-page"
    at.run()
    assert not at.exception, at.exception
    buttons = {b.proto.label: b.proto.help for b in at.get("download_button")}
    merged = size_words(sum(f.stat().st_size for f in tiny_model_dir.iterdir()))  # float32, as the base is stored
    assert set(buttons) == {
        f"Download the adapter (PEFT, .zip) · up to {tree_bytes(run.adapter_dir)} B",
        f"Download the merged model (.zip) · up to {merged}",
    }, buttons
    assert all(h.startswith("At most about ") and "the zip is often smaller" in h for h in buttons.values()), buttons
    archive = export.zip_folder(run.adapter_dir)  # a teammate's click zipped the adapter meanwhile
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert f"Download the adapter (PEFT, .zip) · {archive.stat().st_size} B" in labels, labels
