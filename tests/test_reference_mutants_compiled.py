"""What the mutation run of compiled.py found unchecked, each against a reference computed
independently of the compiled program: the NumPy engine (``backend="numpy"``, the reference
implementation, whose own tests hold it to hand computations and scikit-learn), the divergence
rule as documented, platformdirs' cache directories written out, or the file system itself:

* the first loss of a run (History.first_loss, and the divergence rule's bound from it), also
  across a resume;
* the optimizer's state a population leaves (members first, from either layout);
* chunks (``chunk_epochs``) of any length against stats_every, a schedule across chunks,
  epochs without statistics, a callback stopping a chunk on an epoch not recorded;
* members diverged before a resume (``diverged_epoch`` -1, an integer array);
* the disk cache: an entry vanishing, ``os.utime`` refused, the cache off, the default
  directory per platform, the device kind in an entry's key.

compiled.py's mutants run each in a fresh process (``tools/mutate_subprocess.py``: JAX hangs
in mutmut's forked workers); the survivors these tests kill are itemized in
tests/mutation/survivors.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet import compiled

jax = pytest.importorskip("jax")

PAPER_X, PAPER_Y = gn.datasets.load("paper")


@pytest.fixture
def disk_and_builds(tmp_path, monkeypatch):
    """A disk cache of this test's own (the memory cache emptied before and after), and a
    count of the programs built (traced and compiled, not loaded)."""
    count = {"n": 0}
    real = compiled._program

    def counting(*args, **kwargs):
        count["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(compiled, "_program", counting)
    compiled.clear_cache(disk=False)
    with compiled.configure(cache_dir=tmp_path / "programs"):
        yield tmp_path / "programs", count
    compiled.clear_cache(disk=False)


def _paper_jax():
    net = gn.Network([3, 2, 1], seed=0)
    return net, net.fit(PAPER_X, PAPER_Y, lr=0.5, epochs=20, backend="jax")


def _data(n=13, n_in=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.uniform(0.05, 0.95, size=(n, 1))


def _assert_same(a, b, ha, hb, rtol=1e-9):
    """The NumPy loop's network and History (a, ha) and the compiled program's (b, hb)."""
    assert hb.epochs_run == ha.epochs_run
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=rtol, atol=1e-300)
    np.testing.assert_allclose(hb.first_loss, ha.first_loss, rtol=rtol)
    for name in ("val_loss", "val_accuracy"):
        va, vb = getattr(ha, name), getattr(hb, name)
        assert (va is None) == (vb is None)
        if va is not None:
            np.testing.assert_allclose(vb, va, rtol=rtol, atol=1e-12)
    np.testing.assert_array_equal(hb.diverged, ha.diverged)
    np.testing.assert_array_equal(hb.diverged_epoch, ha.diverged_epoch)
    assert np.asarray(hb.diverged_epoch).dtype == np.asarray(ha.diverged_epoch).dtype
    np.testing.assert_array_equal(hb.stats_epochs, ha.stats_epochs)
    assert hb.layer_stats.keys() == ha.layer_stats.keys()
    for k, v in ha.layer_stats.items():
        np.testing.assert_allclose(hb.layer_stats[k], v, rtol=1e-7, atol=1e-12, err_msg=k)
    for la, lb in zip(a.params, b.params, strict=True):
        for k in la:
            np.testing.assert_allclose(lb[k], la[k], rtol=1e-8, atol=1e-12)
    # the optimizer's state, leaf by leaf in the same structure (what a resume continues from)
    sa, ta = jax.tree_util.tree_flatten(ha.optimizer_state)
    sb, tb = jax.tree_util.tree_flatten(hb.optimizer_state)
    assert ta == tb
    for va, vb in zip(sa, sb, strict=True):
        assert np.shape(vb) == np.shape(va)
        np.testing.assert_allclose(vb, va, rtol=1e-8, atol=1e-12)


def _both(net_kw, X, y, **fit_kw):
    a, ha = _fit("numpy", net_kw, X, y, **fit_kw)
    b, hb = _fit("jax", net_kw, X, y, **fit_kw)
    return a, b, ha, hb


def _fit(backend, net_kw, X, y, **fit_kw):
    net = gn.Network(**net_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gn.DivergenceWarning)
        h = net.fit(X, y, backend=backend, **fit_kw)
    return net, h


# --- the first loss ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
def test_the_first_loss_is_the_first_epochs_and_a_rise_below_its_bound_is_not_divergence(seed):
    # targets of 30: the first loss is 1742 (sse), and lr 0.2 makes the loss rise to 1.9e5 at
    # epoch 4 before it settles. The rule bounds the loss by 10^4 x max(1, first loss) =
    # 1.7e7: no divergence, in the NumPy loop as in the program. A first loss never taken
    # (left at 0) would bound it by 10^4 and stop the run at epoch 2
    y = PAPER_Y * 30
    kw = {"loss": "sse", "lr": 0.2 if seed == 0 else [0.2, 0.03], "epochs": 30}
    net_kw = {"sizes": [3, 2, 1], "seed": seed, "output": "identity"}
    _, ha = _fit("numpy", net_kw, PAPER_X, y, **kw)
    _, hb = _fit("jax", net_kw, PAPER_X, y, **kw)
    assert np.max(ha.loss) > 1e5  # the rise is there
    assert not np.any(ha.diverged) and hb.epochs_run == ha.epochs_run == 30
    np.testing.assert_array_equal(hb.diverged, ha.diverged)
    np.testing.assert_allclose(hb.first_loss, ha.loss[..., 0], rtol=1e-12)
    np.testing.assert_allclose(hb.first_loss, ha.first_loss, rtol=1e-12)
    np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9)
    # of the NumPy loop's kind: a float for one network (np.float64 is one), (P,) for a
    # population
    if seed == 0:
        assert isinstance(ha.first_loss, float) and isinstance(hb.first_loss, float)
    else:
        assert hb.first_loss.shape == ha.first_loss.shape == (2,)


@pytest.mark.parametrize("seed", [0, [0, 1]], ids=["one", "population"])
def test_a_resumed_fit_keeps_the_first_fits_first_loss(seed):
    # the rule's bound stays that of the run's first epoch across a resume: after 2 epochs
    # the loss is lower, and a bound from the resumed fit's own first epoch would not be
    # the NumPy loop's
    y = PAPER_Y * 30
    kw = {"loss": "sse", "lr": 0.2 if seed == 0 else [0.2, 0.03]}
    net_kw = {"sizes": [3, 2, 1], "seed": seed, "output": "identity"}
    runs = {}
    for backend in ("numpy", "jax"):
        net, h1 = _fit(backend, net_kw, PAPER_X, y, epochs=2, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gn.DivergenceWarning)
            h2 = net.fit(PAPER_X, y, epochs=20, resume=h1, backend=backend, **kw)
        runs[backend] = (h1, h2)
    (a1, a2), (_, b2) = runs["numpy"], runs["jax"]
    np.testing.assert_allclose(b2.first_loss, a1.loss[..., 0], rtol=1e-12)
    np.testing.assert_allclose(b2.first_loss, a2.first_loss, rtol=1e-12)
    np.testing.assert_allclose(b2.loss, a2.loss, rtol=1e-9)
    np.testing.assert_array_equal(b2.diverged, a2.diverged)


# --- the disk cache ----------------------------------------------------------------------------


def test_cache_info_counts_what_it_can_read_when_an_entry_vanishes(tmp_path, monkeypatch):
    # an entry removed between the listing and its size (another process evicting it) is
    # not an error: the disk cache never is (module docstring); the bytes are those of the
    # entries still there
    where = tmp_path / "programs"
    where.mkdir()
    (where / "a.gnjx").write_bytes(b"x" * 1000)
    listed = [*compiled._entries(where), where / "gone.gnjx"]
    monkeypatch.setattr(compiled, "_entries", lambda _: listed)
    with compiled.configure(cache_dir=where):
        info = compiled.cache_info()
    assert info["bytes"] == 1000 and info["enabled"] and info["dir"] == str(where)


def test_the_disk_cache_when_off_is_empty_and_says_what_turned_it_off(monkeypatch):
    monkeypatch.setenv(compiled.CACHE_ENV, "off")
    assert compiled.cache_info() == {
        "enabled": False,
        "dir": None,
        "entries": 0,
        "bytes": 0,
        "set_by": compiled.CACHE_ENV,
    }
    with compiled.configure(cache_dir=False):
        assert compiled.cache_info() == {
            "enabled": False,
            "dir": None,
            "entries": 0,
            "bytes": 0,
            "set_by": "configure",
        }


@pytest.mark.parametrize("env", [None, "", "  "], ids=["unset", "empty", "blank"])
def test_the_default_cache_says_it_is_the_default(monkeypatch, tmp_path, env):
    # GLASSNET_JAX_CACHE unset, empty or blank, nothing configured: the user cache directory
    # (here XDG_CACHE_HOME's), on, set by "default"
    import sys

    if env is None:
        monkeypatch.delenv(compiled.CACHE_ENV, raising=False)
    else:
        monkeypatch.setenv(compiled.CACHE_ENV, env)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    with compiled.configure(cache_dir=None):
        info = compiled.cache_info()
    assert info == {
        "enabled": True,
        "dir": str(tmp_path / "xdg" / "glassnet" / "jax"),
        "entries": 0,
        "bytes": 0,
        "set_by": "default",
    }


@pytest.mark.parametrize(
    "env", [None, "", "auto", " AUTO "], ids=["unset", "empty", "auto", "AUTO"]
)
def test_the_default_threads_say_they_are_the_default(monkeypatch, env):
    # nothing configured and GLASSNET_JAX_THREADS unset, empty or "auto" (any case): "auto",
    # set by "default", up to every core (sample 7's survivor: "configure" for the default)
    if env is None:
        monkeypatch.delenv(compiled.THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(compiled.THREADS_ENV, env)
    with compiled.configure(threads="auto"):
        info = compiled.threads_info()
    assert (info["threads"], info["set_by"], info["most"], info["error"]) == (
        "auto",
        "default",
        info["cores"],
        None,
    )


@pytest.mark.parametrize(
    ("platform", "env", "want"),
    [
        # platformdirs' user cache directories, written out
        ("darwin", {}, "HOME/Library/Caches/glassnet/jax"),
        ("win32", {"LOCALAPPDATA": "LAD"}, "LAD/glassnet/Cache/jax"),
        ("win32", {}, "HOME/AppData/Local/glassnet/Cache/jax"),
        ("linux", {"XDG_CACHE_HOME": "XDG"}, "XDG/glassnet/jax"),
        ("linux", {}, "HOME/.cache/glassnet/jax"),
    ],
)
def test_the_default_cache_directory_is_the_platforms_user_cache(
    monkeypatch, tmp_path, platform, env, want
):
    import sys

    for name in ("LOCALAPPDATA", "XDG_CACHE_HOME", compiled.CACHE_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in env.items():
        monkeypatch.setenv(name, str(tmp_path / value))
    monkeypatch.setattr(sys, "platform", platform)
    want = want.replace("HOME", str(tmp_path / "home")).replace("LAD", str(tmp_path / "LAD"))
    want = want.replace("XDG", str(tmp_path / "XDG"))
    assert compiled.cache_dir() == compiled._default_cache_dir() == Path(want)


def test_an_entry_whose_time_cannot_be_touched_still_loads(disk_and_builds, monkeypatch):
    # loading marks the entry most recently used (os.utime); where that fails (a file
    # another process just evicted, a read-only cache) the program loaded is still used
    _, builds = disk_and_builds
    _, h1 = _paper_jax()
    assert builds["n"] == 1
    compiled.clear_cache(disk=False)

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(compiled.os, "utime", refuse)
    _, h2 = _paper_jax()
    assert builds["n"] == 1  # loaded from disk, not built again
    np.testing.assert_array_equal(h2.loss, h1.loss)


def test_the_program_key_names_the_device_kind(monkeypatch):
    # a disk entry is valid for one device (module docstring): two devices of one platform
    # but of different kinds (two GPU models) must not share entries
    real = jax.devices()[0]

    class Device:
        def __init__(self, kind):
            self.platform, self.device_kind, self.client = real.platform, kind, real.client

    prints = []
    for kind in ("model A", "model B", "model A"):
        monkeypatch.setattr(jax, "devices", lambda kind=kind: [Device(kind)])
        compiled._fingerprint.cache_clear()
        prints.append(compiled._fingerprint())
    compiled._fingerprint.cache_clear()
    assert prints[0] != prints[1] and prints[0] == prints[2]


def test_a_device_without_a_kind_still_has_a_fingerprint(monkeypatch):
    # device_kind is read with a default: a device that does not set it (sample 7's survivor
    # read it without one) keys its entries by the rest, as a device of kind "" would
    real = jax.devices()[0]

    class Bare:
        def __init__(self, **kind):
            self.platform, self.client = real.platform, real.client
            self.__dict__.update(kind)

    prints = []
    for device in (Bare(), Bare(device_kind="")):
        monkeypatch.setattr(jax, "devices", lambda device=device: [device])
        compiled._fingerprint.cache_clear()
        prints.append(compiled._fingerprint())
    compiled._fingerprint.cache_clear()
    assert prints[0] == prints[1]


CPUINFO = (
    "processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\ncpu MHz\t\t: {mhz}\n"
    "flags\t\t: fpu sse2 {extra}\nprocessor\t: 1\nmodel name\t: Some CPU @ 2.0GHz\n"
    "cpu MHz\t\t: {mhz}\nflags\t\t: fpu sse2 {extra}\n"
)


def test_the_fingerprint_follows_the_cpus_model_and_flags_not_its_clock(monkeypatch):
    # an executable compiled for one CPU's instructions may not run on another: its model name
    # and flags are in the fingerprint (sample 7's survivor dropped them); its clock, which
    # /proc/cpuinfo reports anew on every read, is not, or no entry would ever be found again
    real = Path.read_text

    def prints(**fields):
        text = CPUINFO.format(**fields)
        monkeypatch.setattr(
            Path, "read_text", lambda p, *a, **k: text if str(p) == "/proc/cpuinfo" else real(p)
        )
        compiled._fingerprint.cache_clear()
        try:
            return compiled._fingerprint()
        finally:
            compiled._fingerprint.cache_clear()

    base = prints(mhz="2000.000", extra="avx2")
    assert prints(mhz="3412.517", extra="avx2") == base
    assert prints(mhz="2000.000", extra="avx512f") != base


@pytest.mark.parametrize(("n", "batch"), [(10, 3), (12, 4), (7, 6), (7, 7), (100, 32), (5, 1)])
def test_a_chunks_sample_orders_hold_the_fewest_whole_batches(n, batch):
    # an epoch's order is padded to whole batches: ceil(rows / batch) of them, never more
    # (sample 7's survivor made it ceil(rows * batch): the same results, from orders
    # batch^2 times as large, an allocation no bound checked)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, 2)), rng.uniform(size=(n, 1))
    net = gn.Network([2, 3, 1], seed=0)
    plan = gn.training.plan(net, X, y, gn.TrainConfig(epochs=4, batch_size=batch, lr=0.1))
    shape = compiled._shape(net, plan, 4)
    if batch >= n:  # a full batch: one, and no order
        assert (shape.full, shape.n_batches) == (True, 1)
        assert compiled._orders(plan, shape, [np.random.default_rng(1)], None, 4) is None
        return
    assert shape.n_batches == -(-shape.rows // batch)  # ceil, by hand
    assert shape.rows <= shape.n_batches * batch < shape.rows + batch
    orders = compiled._orders(plan, shape, [np.random.default_rng(1)], None, 4)
    assert orders.shape == (4, shape.n_batches * batch)


def _minibatch_plan(n, **settings):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, 2)), rng.uniform(size=(n, 1))
    net = gn.Network([2, 3, 1], seed=0)
    cfg = gn.TrainConfig(epochs=6, batch_size=2, lr=0.1, stats_every=None, **settings)
    return gn.training.plan(net, X, y, cfg)


def test_a_callback_of_a_shuffled_minibatch_run_gets_every_epoch(monkeypatch):
    # callbacks run after each chunk: with one, a chunk is one epoch, shuffled mini-batches
    # included (sample 7's survivor made the least chunk 2: a callback then saw every other
    # epoch); the bound on a chunk's sample orders also comes down to one epoch, never 0
    plan = _minibatch_plan(10)
    assert compiled._chunk(plan, [gn.training.Callback()], 1) == 1
    assert compiled._chunk(plan, [], 1) == 6  # no callback: the whole run
    # orders of 4 bytes x members x n over the bound: one epoch a chunk, never none
    monkeypatch.setattr(compiled, "MAX_ORDER_BYTES", 4 * 10 * 3 - 1)
    assert compiled._chunk(plan, [], 3) == 1
    monkeypatch.setattr(compiled, "MAX_ORDER_BYTES", 4 * 10 * 3 * 4)
    assert compiled._chunk(plan, [], 3) == 4  # four epochs' orders fit


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_data_is_padded_to_its_bucket_only_within_the_byte_bound(monkeypatch, dtype):
    # 13 rows pad to bucket(13) = 14 (the docstring's table) while X and y of 14 rows fit
    # PAD_MAX_BYTES: a row is (2 inputs + 1 target) x itemsize bytes; one byte less and the
    # data keeps its 13 rows (sample 7's survivor divided by the itemsize: padded past the bound)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(13, 2)), rng.uniform(size=(13, 1))
    net = gn.Network([2, 3, 1], seed=0, dtype=dtype)
    plan = gn.training.plan(net, X, y, gn.TrainConfig(epochs=2, lr=0.1))
    row = 3 * np.dtype(dtype).itemsize
    monkeypatch.setattr(compiled, "PAD_MAX_BYTES", 14 * row)
    assert compiled._shape(net, plan, 2).rows == 14
    monkeypatch.setattr(compiled, "PAD_MAX_BYTES", 14 * row - 1)
    assert compiled._shape(net, plan, 2).rows == 13


@pytest.mark.parametrize(
    ("asked", "every", "chunk"), [(100, 10, 100), (95, 10, 90), (7, 10, 10), (250, 3, 249)]
)
def test_a_chunk_is_the_asked_length_cut_to_whole_strides_of_records(asked, every, chunk):
    # chunks start on recorded epochs: chunk_epochs rounded down to a multiple of stats_every,
    # at least one stride (sample 7's survivor divided by the stride again: 10-epoch chunks
    # for 100 asked, ten times the calls, the same results)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 2)), rng.uniform(size=(8, 1))
    net = gn.Network([2, 3, 1], seed=0)
    cfg = gn.TrainConfig(epochs=1000, lr=0.1, stats_every=every, chunk_epochs=asked)
    plan = gn.training.plan(net, X, y, cfg)
    got = compiled._chunk(plan, [], 1)
    assert got == chunk and isinstance(got, int)


# --- chunks, stretches and the schedule ----------------------------------------------------------


@pytest.mark.parametrize(("chunk", "every"), [(3, 2), (2, 3), (5, 2), (2, 2), (7, 3)])
def test_chunks_of_any_length_record_the_statistics_the_numpy_loop_records(chunk, every):
    # a chunk is rounded to a multiple of stats_every (each chunk then starts on a recorded
    # epoch): the records are every `every` epochs and the last, whatever the chunk
    X, y = _data()
    a, b, ha, hb = _both(
        {"sizes": [3, 4, 1], "seed": 2, "activation": "tanh"},
        X,
        y,
        loss="bce",
        lr=0.3,
        epochs=13,
        stats_every=every,
        chunk_epochs=chunk,
    )
    assert ha.stats_epochs.tolist() == [*range(0, 13, every), *([12] if 12 % every else [])]
    _assert_same(a, b, ha, hb)


@pytest.mark.parametrize("chunk", [None, 40, 1])
def test_without_statistics_every_epoch_runs_as_in_the_numpy_loop(chunk):
    # stats_every=0: the chunk runs in stretches of plain epochs only (32 at a time), 75
    # epochs: two whole stretches and a short one (and with chunks of 40, stretches of 32 and 8;
    # with chunks of one epoch, nothing rounds them up, and every chunk after the first must
    # leave the first loss, epoch 0's, as it is)
    X, y = _data()
    a, b, ha, hb = _both(
        {"sizes": [3, 4, 1], "seed": [2, 3], "activation": "tanh"},
        X,
        y,
        loss="bce",
        optimizer="momentum",
        lr=0.3,
        epochs=75,
        batch_size=5,
        stats_every=0,
        chunk_epochs=chunk,
    )
    assert ha.stats_epochs.size == 0 and ha.layer_stats == {}
    _assert_same(a, b, ha, hb)


@pytest.mark.parametrize("schedule", ["cosine", "step", "exponential"])
def test_a_schedule_goes_on_across_chunks(schedule):
    # each chunk computes its updates' factors from the update count it starts at: after the
    # first chunk that count is not 0
    X, y = _data(n=14)
    a, b, ha, hb = _both(
        {"sizes": [3, 4, 1], "seed": 5},
        X,
        y,
        loss="mse",
        optimizer="momentum",
        lr=0.5,
        epochs=12,
        batch_size=4,
        schedule=schedule,
        chunk_epochs=5,
    )
    _assert_same(a, b, ha, hb)


def _halve_after_ten(count):
    # a user's schedule of one update count (an array of counts has no truth value): the
    # compiled backend computes its factors one count at a time, on the host
    return 1.0 if count < 10 else 0.5


def test_a_users_schedule_of_one_count_goes_on_across_chunks():
    # 12 epochs of 4 batches: the factor is 1 for updates 0-9, 0.5 from update 10 (epoch 2's
    # third batch), in every chunk of 5 epochs as in the NumPy loop
    with pytest.raises(ValueError):
        _halve_after_ten(np.arange(3))
    X, y = _data(n=14)
    a, b, ha, hb = _both(
        {"sizes": [3, 4, 1], "seed": 5},
        X,
        y,
        loss="mse",
        optimizer="momentum",
        lr=0.5,
        epochs=12,
        batch_size=4,
        schedule=_halve_after_ten,
        chunk_epochs=5,
    )
    _assert_same(a, b, ha, hb)
    # and the schedule is felt: without it the run is another
    c = gn.Network([3, 4, 1], seed=5)
    hc = c.fit(X, y, loss="mse", optimizer="momentum", lr=0.5, epochs=12, batch_size=4)
    assert not np.allclose(hc.loss, ha.loss, rtol=1e-6)


@pytest.mark.parametrize("layout", ["members", "lanes"])
def test_a_populations_optimizer_state_is_the_numpy_loops(layout):
    # Adam's moments per member and its shared count, as the NumPy loop leaves them (members
    # first, also when the program ran them on the lanes): a resume continues from them
    X, y = _data(n=11)
    kw = {"sizes": [3, 4, 1], "seed": [0, 1, 2, 3, 4], "activation": "tanh"}
    with compiled.configure(layout=layout):
        a, b, ha, hb = _both(kw, X, y, loss="bce", optimizer="adam", lr=0.05, epochs=6,
                             batch_size=4)  # fmt: skip
        _assert_same(a, b, ha, hb)
        a.fit(X, y, loss="bce", optimizer="adam", lr=0.05, epochs=3, batch_size=4, resume=ha)
        b.fit(X, y, loss="bce", optimizer="adam", lr=0.05, epochs=3, batch_size=4, resume=hb)
    for la, lb in zip(a.params, b.params, strict=True):
        for k in la:
            np.testing.assert_allclose(lb[k], la[k], rtol=1e-8)


# --- divergence --------------------------------------------------------------------------------


def test_members_diverged_before_a_resume_stay_so_as_in_the_numpy_loop():
    # member 1 diverges in the first fit; the resumed fit reports it as diverged before this
    # fit (-1) and keeps it frozen, member 2 diverges in the resumed fit
    X, y = PAPER_X, PAPER_Y
    kw = {"sizes": [3, 2, 1], "seed": [0, 1, 2], "output": "identity"}
    runs = []
    for backend in ("numpy", "jax"):
        net, h1 = _fit(backend, kw, X, y, loss="mse", lr=[0.5, 1e300, 0.5], epochs=5)
        assert h1.diverged.tolist() == [False, True, False]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gn.DivergenceWarning)
            h2 = net.fit(X, y, loss="mse", lr=[0.5, 1e300, 1e300], epochs=6, resume=h1,
                         backend=backend)  # fmt: skip
        runs.append((net, h2))
    (a, ha), (b, hb) = runs
    assert ha.diverged.tolist() == [False, True, True]
    assert ha.diverged_epoch.tolist() == [-1, -1, 0]
    _assert_same(a, b, ha, hb)


class _StopAt(gn.Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, history, net):
        return epoch >= self.epoch


def test_a_callback_that_stops_a_chunk_on_an_unrecorded_epoch_gets_its_record():
    # chunks of 4 epochs, statistics every 2: the first chunk records epochs 0, 2 and its
    # last, 3, for its callbacks. A callback stopping there ends the run at epoch 3, which the
    # NumPy loop records as the last epoch run: the program's record of it is kept too
    X, y = _data()
    kw = {"sizes": [3, 4, 1], "seed": 2, "activation": "tanh"}
    fit_kw = {"loss": "bce", "lr": 0.3, "epochs": 13, "stats_every": 2}
    a, ha = _fit("numpy", kw, X, y, callbacks=[_StopAt(3)], **fit_kw)
    b, hb = _fit("jax", kw, X, y, callbacks=[_StopAt(3)], chunk_epochs=4, **fit_kw)
    assert ha.epochs_run == 4 and ha.stats_epochs.tolist() == [0, 2, 3]
    _assert_same(a, b, ha, hb)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(123, "123 (int)"), ("", "'' (str)"), (["a"], "['a'] (list)"), (True, "True (bool)")],
)
def test_a_cache_dir_that_is_not_a_directory_is_refused_in_words(value, shown):
    before = compiled.cache_dir()
    with pytest.raises(TypeError) as err:
        compiled.configure(cache_dir=value)
    assert str(err.value) == (
        f"cache_dir: expected a directory, None (the default) or False (off), got {shown}"
    )
    assert compiled.cache_dir() == before  # nothing set


def test_programs_that_differ_only_in_their_formulas_have_their_own_disk_entries(disk_and_builds):
    # sigmoid and tanh networks of the same sizes take arguments of the same shapes: only the
    # program's spec (its formulas) tells their entries apart. Loaded from disk in a new
    # process (the memory cache emptied), each must still train as the NumPy loop does
    where, builds = disk_and_builds
    X, y = _data()
    runs = {}
    for act in ("sigmoid", "tanh"):
        net = gn.Network([3, 2, 1], activation=act, seed=0)
        runs[act] = net.copy().fit(X, y, lr=0.3, epochs=15)
        net.fit(X, y, lr=0.3, epochs=15, backend="jax")
    assert builds["n"] == 2 and len(list(where.rglob("*.*"))) >= 2
    compiled.clear_cache(disk=False)
    for act in ("tanh", "sigmoid"):
        h = gn.Network([3, 2, 1], activation=act, seed=0).fit(X, y, lr=0.3, epochs=15,
                                                               backend="jax")  # fmt: skip
        np.testing.assert_allclose(h.loss, runs[act].loss, rtol=1e-9)
    assert builds["n"] == 2  # both loaded, not rebuilt


def test_a_ready_optimizers_program_is_also_found_by_its_arguments_shapes():
    # a ready Optimizer (not a name) keys its program by the optimizer itself and by the
    # shapes of the arguments, its state's among them: the same optimizer whose init now
    # gives a larger state must get a program of its own, not the one built for the smaller
    size = {"k": 1}

    def init(params):
        return np.zeros(size["k"])

    def update(grads, state, params=None):  # gradient descent that counts its updates
        return gn.optimizers.tree_map(lambda g: -0.3 * g, grads), state + 1.0

    opt = gn.optimizers.Optimizer("counting_gd", init, update)
    X, y = _data()
    compiled.clear_cache(disk=False)
    try:
        for k in (1, 3):
            size["k"] = k
            a, b = gn.Network([3, 2, 1], seed=0), gn.Network([3, 2, 1], seed=0)
            ha = a.fit(X, y, optimizer=opt, epochs=5)
            hb = b.fit(X, y, optimizer=opt, epochs=5, backend="jax")
            np.testing.assert_allclose(hb.loss, ha.loss, rtol=1e-9)
            # five updates counted in each of the k entries, by hand
            np.testing.assert_array_equal(np.asarray(b.train_state.opt_state), np.full(k, 5.0))
            np.testing.assert_array_equal(np.asarray(a.train_state.opt_state), np.full(k, 5.0))
    finally:
        compiled.clear_cache(disk=False)


# the engine's sources a compiled program's formulas come from (written out here, not read
# from compiled.py): a change to any of them must make the disk entries of before stale
ENGINE_SOURCES = [
    "_xp.py", "activations.py", "compiled.py", "losses.py", "metrics.py", "network.py",
    "optimizers.py", "training.py",
]  # fmt: skip


@pytest.mark.parametrize("source", ENGINE_SOURCES)
def test_a_change_to_any_engine_source_changes_the_disk_entries_fingerprint(source, monkeypatch):
    real = Path.read_bytes
    here = Path(compiled.__file__).resolve().parent
    compiled._fingerprint.cache_clear()
    try:
        before = compiled._fingerprint()
        assert (here / source).is_file()

        def edited(path):
            data = real(path)
            return data + b"\n# edited\n" if path == here / source else data

        monkeypatch.setattr(Path, "read_bytes", edited)
        compiled._fingerprint.cache_clear()
        assert compiled._fingerprint() != before
        monkeypatch.setattr(Path, "read_bytes", real)
        compiled._fingerprint.cache_clear()
        assert compiled._fingerprint() == before  # and nothing else moved it
    finally:
        compiled._fingerprint.cache_clear()


def test_an_update_count_past_float32s_integers_comes_back_exact():
    # a float32 network's program packs its small outputs by kind: the update count (an
    # integer) must come back as the integer it is, not through float32, whose integers are
    # exact only up to 2^24: from a count of 2^24 + 2, one full-batch epoch makes 2^24 + 3
    # (odd: float32 would give 2^24 + 2 or 2^24 + 4)
    runs = {}
    for backend in ("numpy", "jax"):
        net = gn.Network([3, 2, 1], seed=0, dtype="float32")
        net.fit(PAPER_X, PAPER_Y, lr=0.5, epochs=1, optimizer="momentum")
        state = dataclasses.replace(
            net.train_state, opt_state=net.train_state.opt_state._replace(count=2**24 + 2)
        )
        net.fit(PAPER_X, PAPER_Y, lr=0.5, epochs=1, optimizer="momentum", resume=state,
                backend=backend)  # fmt: skip
        runs[backend] = net.train_state.opt_state.count
    assert runs["numpy"] == 2**24 + 3
    assert runs["jax"] == 2**24 + 3 and isinstance(runs["jax"], int)


@pytest.mark.parametrize("sizes", [[3, 2, 1], [3, 16, 16, 1]])
def test_rule_3_counts_only_on_the_epochs_that_check_it_with_few_parameters_or_many(sizes):
    # 200 epochs: the parameters are checked every ceil(200 / 100) = 2 epochs. Update 5 (of
    # epoch 5) takes a step 1e300 times the rate: the weights pass 1e6 at once while the
    # saturated sigmoid keeps the loss finite, so rule 3 alone sees it, at the next checked
    # epoch, 6 (not 5). The paper's network has 11 parameters (checked every epoch, masked);
    # [3, 16, 16, 1] has 353 (checked under a conditional on the checked epochs)
    n_params = sum(a * b + b for a, b in itertools.pairwise(sizes))
    assert (n_params <= compiled.RUNAWAY_EVERY_EPOCH) == (sizes == [3, 2, 1])
    net = gn.Network(sizes, seed=1)
    with pytest.warns(gn.DivergenceWarning) as caught:
        hist = net.fit(
            PAPER_X,
            PAPER_Y,
            lr=0.5,
            epochs=200,
            backend="jax",
            schedule=lambda n: 1e300 if n == 5 else 1.0,
        )
    assert str(caught[0].message).startswith(
        "training diverged at epoch 6: a parameter grew beyond 1e+06 (runaway weights)"
    )
    assert hist.diverged_epoch == 6 and hist.epochs_run == 7
    assert np.isfinite(hist.loss).all()


def test_the_padded_lengths_are_the_documented_grid():
    # "n up to 8, then the next 2^k x {1, 5/4, 3/2, 7/4}": the grid written out by brute
    # force (every 2^k x f, sorted), against bucket for every n up to 5000 -- powers of two
    # among them, which are their own bucket
    grid = sorted({(2**k * f) // 4 for k in range(3, 16) for f in (4, 5, 6, 7)})
    want = [n if n <= 8 else next(g for g in grid if g >= n) for n in range(1, 5001)]
    assert [compiled.bucket(n) for n in range(1, 5001)] == want
    assert [compiled.bucket(n) for n in (16, 17, 21, 1024, 1025)] == [16, 20, 24, 1024, 1280]


def test_a_member_diverged_before_a_resume_stays_frozen_in_the_program():
    # member 1's rate of 2 on XOR with an identity output: its loss grows ~9x an epoch and
    # passes 1e4 x the first at epoch 5 (rule 2), its weights finite and its gradient not 0.
    # Resumed with backend="jax", it is frozen from the program's start (diverged before this
    # fit: -1): its parameters do not move, and every epoch's loss is the MSE of that frozen
    # network, by hand (a member let loose would step at its rate of 2 and move)
    X, y = gn.datasets.load("xor")
    net = gn.Network([2, 3, 1], output="identity", seed=[0, 1, 2])
    first = net.fit(X, y, lr=[0.1, 2.0, 0.1], epochs=30, backend="jax")
    assert first.diverged.tolist() == [False, True, False] and first.diverged_epoch[1] == 5
    (W1, b1), (W2, b2) = [(layer["W"][1].copy(), layer["b"][1].copy()) for layer in net.params]
    then = net.fit(X, y, epochs=5, backend="jax", resume=first)
    assert then.diverged.tolist() == [False, True, False]
    assert then.diverged_epoch.tolist() == [-1, -1, -1]
    for (W, b), layer in zip([(W1, b1), (W2, b2)], net.params, strict=True):
        np.testing.assert_array_equal(layer["W"][1], W)
        np.testing.assert_array_equal(layer["b"][1], b)
    y_hat = 1 / (1 + np.exp(-(X @ W1 + b1))) @ W2 + b2  # sigmoid hidden units (the default)
    np.testing.assert_allclose(then.loss[1], np.mean((y_hat - y) ** 2), rtol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_a_live_state_without_statistics_has_no_records(backend):
    # statistics off: the state a callback takes mid-run has an empty (0,) list of recorded
    # epochs and no statistic, as the finished History does
    taken = []

    class Take(gn.Callback):
        def on_epoch_end(self, epoch, history, net):
            taken.append(history.live.state())
            return False

    net = gn.Network([3, 2, 1], seed=1)
    hist = net.fit(PAPER_X, PAPER_Y, lr=0.5, epochs=3, stats_every=None, backend=backend,
                   callbacks=[Take()])  # fmt: skip
    assert len(taken) == 3
    for state in taken:
        assert state.history.stats_epochs.shape == (0,)
        assert state.history.stats_epochs.dtype == np.int64
        assert state.history.layer_stats == {}
    assert hist.stats_epochs.shape == (0,) and hist.layer_stats == {}


def test_a_float32_run_resumed_from_its_file_with_jax_x64_on(tmp_path):
    # Researchers often run JAX with x64 on (JAX_ENABLE_X64=1). A float32 network's first loss
    # comes back from its model file as a float64 number; the program of the first fit, kept
    # in memory, was compiled for a float32 one, so the resume must pass it in the network's
    # dtype (a float64 argument is refused by the compiled program). Reference: the NumPy
    # engine's float32 run of all 10 epochs, which the two fits of 5 must continue exactly.
    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    try:
        net = gn.Network([3, 2, 1], seed=0, dtype="float32")
        first = net.fit(PAPER_X, PAPER_Y, epochs=5, lr=0.5, backend="jax")
        net.save(tmp_path / "m.npz")
        again = gn.load(tmp_path / "m.npz")
        second = again.fit(PAPER_X, PAPER_Y, epochs=5, backend="jax", resume=again.train_state)
    finally:
        jax.config.update("jax_enable_x64", before)
    ref = gn.Network([3, 2, 1], seed=0, dtype="float32").fit(PAPER_X, PAPER_Y, epochs=10, lr=0.5)
    np.testing.assert_allclose(
        np.concatenate([first.loss, second.loss]), ref.loss, rtol=1e-5, atol=0
    )


def test_the_same_network_without_then_with_sample_weights_then_without():
    # Whether sample weights are given is part of a program's key: a program traced without
    # them cannot take them (nor the other way round). Reference: the NumPy engine, each time.
    w = np.array([0.5, 2.0, 1.0, 3.0])
    for weights in (None, w, None, w):
        kw = dict(epochs=20, lr=0.5, sample_weight=weights)
        got = gn.Network([3, 2, 1], seed=0).fit(PAPER_X, PAPER_Y, backend="jax", **kw)
        ref = gn.Network([3, 2, 1], seed=0).fit(PAPER_X, PAPER_Y, **kw)
        np.testing.assert_allclose(got.loss, ref.loss, rtol=1e-10, atol=0)


@pytest.mark.parametrize("chunk", [None, 3])
def test_a_population_whose_every_member_diverges_stops_at_the_last_divergence(chunk):
    # the members' single networks on the NumPy engine (the reference) diverge at their own
    # epochs; the compiled population stops after the last of them, as the NumPy loop does:
    # its curves cut there, "diverged", the message naming that epoch (whole chunk or not)
    X = np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0], [1.0, 1.0]])
    Y = np.array([[1.0], [-2.0], [0.5], [3.0]])
    rates = [0.9, 1.2]
    alone = []
    for seed, lr in zip([3, 7], rates, strict=True):
        net = gn.Network([2, 1], output="identity", seed=seed)
        alone.append(net.fit(X, Y, loss="mse", lr=lr, epochs=60, warn=False))
    last = max(a.diverged_epoch for a in alone)
    assert all(a.diverged for a in alone) and 0 < last < 59
    pop = gn.Network([2, 1], output="identity", seed=[3, 7])
    h = pop.fit(X, Y, loss="mse", lr=rates, epochs=60, backend="jax", chunk_epochs=chunk)
    assert h.diverged_epoch.tolist() == [a.diverged_epoch for a in alone]
    assert h.stopped_by == "diverged" and h.epochs_run == last + 1 == h.loss.shape[1]
    assert h.messages == [f"every member diverged by epoch {last}"]
