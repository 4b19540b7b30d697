"""Tests for llmterms.hardware: bandwidth arithmetic, the device table, the decode bound."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmterms import hardware


@pytest.mark.parametrize(
    ("channels", "width", "mts", "gbs"),
    [
        (2, 64, 3200, 51.2),
        (2, 64, 5600, 89.6),
        (1, 384, 21000, 1008.0),
        (1, 192, 15000, 360.0),
        (1, 128, 18000, 288.0),
    ],
)
def test_memory_bandwidth(channels, width, mts, gbs):
    assert hardware.memory_bandwidth(channels, width, mts) == pytest.approx(gbs * 1e9)


def test_table_rows_are_complete_and_consistent():
    names = [d.name for d in hardware.devices()]
    for expected in [
        "DDR4-3200 dual channel",
        "DDR5-5600 dual channel",
        "Apple M1",
        "Apple M2",
        "Apple M3",
        "Apple M4",
        "NVIDIA GeForce RTX 3060 12GB",
        "NVIDIA GeForce RTX 3090",
        "NVIDIA GeForce RTX 4090",
        "NVIDIA GeForce RTX 4060 Ti 16GB",
        "AMD Radeon RX 7900 XTX",
        "NVIDIA A100 80GB SXM",
        "NVIDIA H100 SXM",
        "NVIDIA GeForce RTX 5090",
        "NVIDIA GeForce RTX 5080",
        "NVIDIA GeForce RTX 5070 Ti",
        "NVIDIA GeForce RTX 5070",
        "NVIDIA GeForce RTX 5060 Ti 16GB",
        "Apple M3 Ultra",
        "NVIDIA DGX Spark",
        "AMD Ryzen AI Max+ 395",
    ]:
        assert expected in names
    for d in hardware.devices():
        assert d.source.startswith("https://"), d.name
        assert d.memory_gb > 0 and d.bandwidth_gbs > 0, d.name
        if d.channels:
            # Rows that give the bus must reproduce the vendor's bandwidth figure.
            computed = hardware.memory_bandwidth(d.channels, d.bus_width_bits, d.transfer_mts)
            assert computed == pytest.approx(d.bandwidth, rel=0.001), d.name


def test_known_figures():
    assert hardware.device("NVIDIA GeForce RTX 3090").bandwidth_gbs == 936
    assert hardware.device("NVIDIA H100 SXM").bandwidth_gbs == 3350
    assert hardware.device("NVIDIA A100 80GB SXM").bandwidth_gbs == 2039
    assert hardware.device("Apple M4 Max").bandwidth_gbs == 546
    # Rows added for the December 2026 edition (vendor figures).
    assert (hardware.device("RTX 5090").memory_gb, hardware.device("RTX 5090").bandwidth_gbs) == (32, 1792)
    assert (hardware.device("M3 Ultra").memory_gb, hardware.device("M3 Ultra").bandwidth_gbs) == (512, 819)
    assert (hardware.device("DGX Spark").memory_gb, hardware.device("DGX Spark").bandwidth_gbs) == (128, 273)
    assert hardware.device("Ryzen AI Max+ 395").bandwidth_gbs == 256
    assert hardware.device("NVIDIA GeForce RTX 5070").memory_gb == 12  # exact name wins over 5070 Ti


def test_device_lookup():
    assert hardware.device("rtx 4090").memory_gb == 24
    assert hardware.device("Apple M4").bandwidth_gbs == 120  # an exact name wins over M4 Pro / M4 Max
    with pytest.raises(KeyError, match="candidates"):
        hardware.device("ultra")
    with pytest.raises(KeyError):
        hardware.device("RTX 9999")


def test_decode_bound():
    # Llama-2 7B Q4_K_M (4.08 GB) on an RTX 3090: at most about 229 tokens/s.
    assert hardware.decode_tokens_per_second(936e9, 4.08e9) == pytest.approx(229.4, abs=0.1)
    with pytest.raises(ValueError):
        hardware.decode_tokens_per_second(0, 1)


@given(st.floats(1e9, 1e13), st.floats(1e6, 1e12), st.floats(1.01, 10))
def test_decode_bound_scales(bandwidth, size, factor):
    base = hardware.decode_tokens_per_second(bandwidth, size)
    assert hardware.decode_tokens_per_second(bandwidth * factor, size) > base
    assert hardware.decode_tokens_per_second(bandwidth, size * factor) < base


@pytest.mark.parametrize(
    ("generation", "lanes", "gbs"),
    [(1, 16, 4.0), (2, 16, 8.0), (3, 16, 15.754), (4, 16, 31.508), (5, 16, 63.015), (4, 4, 7.877)],
)
def test_pcie_bandwidth(generation, lanes, gbs):
    assert hardware.pcie_bandwidth(generation, lanes) / 1e9 == pytest.approx(gbs, abs=0.001)


def test_pcie_unknown_generation():
    with pytest.raises(KeyError):
        hardware.pcie_bandwidth(9)


def test_table_bounds_and_fit():
    rows = {r["name"]: r for r in hardware.table()}
    assert set(rows) == {d.name for d in hardware.devices()}
    assert rows["NVIDIA GeForce RTX 3090"]["tps_8b"] == 190  # 936 GB/s over a 4.91 GB file
    assert rows["NVIDIA H100 SXM"]["tps_70b"] == 79
    assert rows["NVIDIA GeForce RTX 5090"]["tps_8b"] == 365  # 1792 GB/s over 4.91 GB
    assert rows["NVIDIA GeForce RTX 5090"]["tps_70b"] is None  # 42.5 GB does not fit in 32 GB
    assert rows["NVIDIA DGX Spark"]["tps_70b"] == 6  # 273 GB/s over 42.5 GB
    # A 42.5 GB 70B Q4_K_M file fits no 24 GB card, and the bound is left empty for them.
    assert all(r["tps_70b"] is None for r in rows.values() if r["memory_gb"] < 42.5)
    assert all(r["tps_70b"] is not None for r in rows.values() if r["memory_gb"] >= 64)
