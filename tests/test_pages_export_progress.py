"""The Train page's Export panel draws how far a download being built has got (ui.export_view, helper 190): a merged
model's download showed a button spinner alone for ~24 s on the default model. While the click's build runs, the
panel's poll ticks the stages done (loading, merging, saving) and draws a bar for the zip, by its bytes; once it is
ready the stages go and the exported copies' size shows, as before."""

from __future__ import annotations

import threading

from ftlib import export
from ftlib.testing import make_run
from tests.test_pages_train import captured_downloads, click_download, page


def test_a_merged_download_being_built_shows_its_stages_and_the_zips_bar(tiny_model_dir, tmp_path, monkeypatch):
    from ftlib.models import load_tokenizer
    from ftlib.testing import make_random_adapter

    adapter = make_random_adapter(str(tiny_model_dir), tmp_path / "adapter", seed=5)
    load_tokenizer(str(tiny_model_dir)).save_pretrained(str(adapter))
    run = make_run("r-bar", {"model": str(tiny_model_dir)}, adapter=adapter)
    built = captured_downloads(monkeypatch)
    at = page(tiny_model_dir)
    assert not at.exception, at.exception
    assert not at.get("progress")  # nothing being built: no bar

    zipping, go = threading.Event(), threading.Event()
    write_zip = export._write_zip

    def paused_zip(folder, target, progress=None):  # a big zip: the click's rerun draws the page midway through it
        def told(name, fraction):
            progress(name, fraction)
            if 0.2 < fraction < 1.0 and not zipping.is_set():  # a fifth of its bytes written
                zipping.set()
                assert go.wait(60)

        write_zip(folder, target, told)

    monkeypatch.setattr(export, "_write_zip", paused_zip)
    click = threading.Thread(target=click_download, args=built["r-bar-merged.zip"])
    click.start()
    try:
        assert zipping.wait(120)
        at.run()  # the rerun the click starts, while the zip is written
        assert not at.exception, at.exception
        captions = [c.value for c in at.caption]
        assert any(c.startswith("⏳ Preparing the download") for c in captions), captions
        (stages,) = [c for c in captions if c.startswith("**The merged model (.zip)**: ")]
        ticked = [part.split(" (")[0] for part in stages.split(": ", 1)[1].split(" · ")]
        assert ticked == ["✓ Loading the base model", "✓ Merging the adapter into it", "✓ Saving the merged weights"]
        (bar,) = at.get("progress")
        assert bar.text.startswith("Compressing into the zip… ") and 0 < bar.value < 100, (bar.text, bar.value)
    finally:
        go.set()
        click.join(120)
    assert (run.exports_dir / "r-bar-merged.zip").is_file()
    at.run()  # what the panel's poll does once the zip is ready
    assert not at.get("progress") and not any("Preparing the download" in c.value for c in at.caption)
    assert any("exported copies (the merged model, GGUF files, the zips) take" in c.value for c in at.caption)
