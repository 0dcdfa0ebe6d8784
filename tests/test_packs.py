"""packs.Store: state saved as a head and an append-only pack, read back entry by entry."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from briefkit import packs
from briefkit.packs import Packed, Store


def state(n: int = 50, size: int = 100) -> dict[str, object]:
    return {"docs": Packed({i: f"doc {i} " + "x" * size for i in range(n)}),
            "keys": Packed({f"w:{i}": [i, i + 1] for i in range(n)}), "plain": list(range(5))}


def pack_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("related-*.pack"))


def test_a_saved_state_reads_back_entry_by_entry(tmp_path: Path) -> None:
    Store(tmp_path, "related").save("k1", state())
    loaded = Store(tmp_path, "related").load("k1")
    docs = loaded["docs"]
    assert loaded["plain"] == [0, 1, 2, 3, 4]
    assert docs.values == {}  # nothing unpickled until asked for
    assert docs[7] == "doc 7 " + "x" * 100 and list(docs.values) == [7]
    assert 49 in docs and 50 not in docs and docs.get(50, "none") == "none"
    assert loaded["keys"]["w:3"] == [3, 4]


def test_a_save_appends_only_what_changed(tmp_path: Path) -> None:
    store = Store(tmp_path, "related")
    store.save("k", state(n=200, size=1000))
    before = pack_size(tmp_path)
    again = Store(tmp_path, "related")
    loaded = again.load("k")
    loaded["docs"][3] = "changed"
    del loaded["docs"][4]
    loaded["keys"]["w:new"] = [9]
    again.save("k", loaded)
    assert before < pack_size(tmp_path) < before + 200  # the two new entries, not the 200 kept ones
    third = Store(tmp_path, "related").load("k")
    assert third["docs"][3] == "changed" and 4 not in third["docs"] and third["docs"][5].startswith("doc 5 ")
    assert third["keys"]["w:new"] == [9] and third["keys"]["w:1"] == [1, 2]


def test_a_mostly_dead_pack_is_written_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "SLACK", 0)
    Store(tmp_path, "related").save("k", state(n=20, size=1000))
    store = Store(tmp_path, "related")
    obj = store.load("k")
    for step in range(10):
        for i in range(20):
            obj["docs"][i] = f"step {step} doc {i} " + "y" * 1000
        store.save("k", obj)
        assert pack_size(tmp_path) <= packs.GROWTH * 20 * 1030 + 2000
        # readable in the process that saved it, entries never unpickled here included
        assert obj["docs"][5].startswith(f"step {step} doc 5 ") and obj["keys"][f"w:{step}"] == [step, step + 1]
    assert len(list(tmp_path.glob("related-*.pack"))) == 1
    loaded = Store(tmp_path, "related").load("k")
    assert [loaded["docs"][i] for i in range(20)] == [f"step 9 doc {i} " + "y" * 1000 for i in range(20)]


def test_a_missing_damaged_or_stale_state_reads_as_none(tmp_path: Path) -> None:
    Store(tmp_path, "related").save("k", state())
    assert Store(tmp_path, "related").load("other key") is None
    assert Store(tmp_path / "nowhere", "related").load("k") is None
    pack = next(tmp_path.glob("related-*.pack"))
    pack.write_bytes(pack.read_bytes()[:100])  # cut short
    assert Store(tmp_path, "related").load("k") is None
    pack.unlink()
    assert Store(tmp_path, "related").load("k") is None
    (tmp_path / "related.pickle").write_bytes(b"not a pickle")
    assert Store(tmp_path, "related").load("k") is None


def test_a_pack_removed_behind_the_stores_back_is_written_anew(tmp_path: Path) -> None:
    store = Store(tmp_path, "related")
    obj = state()
    store.save("k", obj)
    for pack in tmp_path.glob("related-*.pack"):
        pack.unlink()
    obj["docs"][1] = "changed"
    store.save("k", obj)
    loaded = Store(tmp_path, "related").load("k")
    assert loaded["docs"][1] == "changed" and loaded["docs"][2].startswith("doc 2 ")


def test_packed_values_pickle_on_their_own_too() -> None:
    p: Packed[int, str] = Packed({1: "one"})
    p[2] = "two"
    copy = pickle.loads(pickle.dumps(p))
    assert (copy[1], copy[2]) == ("one", "two") and copy.values == {1: "one", 2: "two"}
