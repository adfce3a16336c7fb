"""benchmarks/poll_bench.py still runs: a tiny cycle, every field reported (no timing checks)."""

from __future__ import annotations

from tests.benchmarks import load_bench


def test_ten_sources_and_a_daemon(capsys: object) -> None:
    bench = load_bench("poll_bench")
    # A short daemon interval so its first polls are not spread over 15 s.
    results = bench.run(
        [10], latency=0.01, repeat=1, daemon_sources=3, settle=0.5, daemon_interval="2s"
    )
    (size,) = results["sizes"]
    for cycle in (size["first"], size["best"]):
        assert cycle["sources"] == 10
        assert cycle["exit_code"] == 0, cycle
        assert cycle["failed"] == 0
        assert cycle["wall"] > 0
        assert cycle["cpu"] > 0
        assert cycle["peak_rss_mb"] > 0
    best = size["best"]
    assert best["new_comments"] == 1
    assert set(best["idle_requests"]) == {"feed", "facebook_page", "twitter"}
    # The property the benchmark exists to show: an idle feed costs one conditional GET.
    assert best["idle_requests"]["feed"] == (1.0, 1)
    assert all(mean >= 1 for mean, _most in best["idle_requests"].values())
    assert best["emails_total"] >= 1  # the abusive comment was alerted
    daemon = results["daemon"]
    assert daemon["polled"] == 3
    assert daemon["exit_code"] == 0
    assert daemon["rss_mb"] > 0
    bench.print_report(results)
