import gc

import pytest

from alleykeeper.core.batch import cyclic_gc_paused


def test_collector_paused_inside_and_back_afterwards_even_on_error():
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():  # nested: the inner block does not switch it back on early
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cyclic_gc_paused():
        raise RuntimeError("an import that fails")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_sheet_is_read_with_the_collector_paused(tmp_path, monkeypatch):
    """open_table makes a sheet's cells with the collector paused, and switches it back on afterwards."""
    from alleykeeper.core import tabular

    seen = []
    real = tabular.read_file

    def read_file(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(tabular, "read_file", read_file)
    path = tmp_path / "list.csv"
    path.write_text("姓名,电话\n王芳,13800001234\n", encoding="utf-8")
    table = tabular.open_table(path, {"name": ["姓名"], "phone": ["电话"]})
    assert seen == [False]
    assert gc.isenabled()
    assert table.data_count() == 1
