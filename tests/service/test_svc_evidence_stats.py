"""The statistics behind the evidence (service/evidence/stats.py): small samples, 95% intervals, against values
computed independently (published t quantiles, Wilson's interval by its formula, a hand-worked Welch case)."""
from __future__ import annotations

import math

import pytest

from service.evidence.aggregate import Case, buckets, difference, fate, share, stat
from service.evidence.stats import mean_interval, t975, welch, wilson


@pytest.mark.parametrize(("df", "q"), [(1, 12.706), (4, 2.776), (9, 2.262), (30, 2.042), (120, 1.980)])
def test_t_quantiles_are_the_published_ones(df, q):
    assert t975(df) == q


def test_t_quantiles_between_and_beyond_the_table():
    assert 2.021 > t975(50) > 2.000 and abs(t975(50) - 2.009) < 0.002      # published t(0.975; 50) = 2.009
    assert abs(t975(10_000) - 1.960) < 0.001
    assert 2.228 > t975(10.5) > 2.201
    with pytest.raises(ValueError):
        t975(0.5)


def test_mean_interval():
    assert mean_interval([]) == (0, None, None, None)
    assert mean_interval([4]) == (1, 4.0, None, None)          # one value: no interval
    n, mean, low, high = mean_interval([2, 3, 4, 5])
    half = 3.182 * math.sqrt((2.25 + 0.25 + 0.25 + 2.25) / 3 / 4)   # t(0.975; 3) * s / sqrt(n)
    assert (n, mean) == (4, 3.5) and low == pytest.approx(3.5 - half) and high == pytest.approx(3.5 + half)


def test_wilson_stays_inside_zero_and_one():
    share_, low, high = wilson(5, 5)
    assert share_ == 1.0 and high == 1.0 and low == pytest.approx(0.5655, abs=1e-4)
    share_, low, high = wilson(0, 3)
    assert share_ == 0.0 and low == 0.0 and high == pytest.approx(0.5615, abs=1e-4)
    assert wilson(0, 0) == (None, None, None)
    _, low, high = wilson(8, 20)
    assert low == pytest.approx(0.2188, abs=1e-4) and high == pytest.approx(0.6134, abs=1e-4)


def test_welch_difference():
    diff, low, high = welch([4, 5, 4, 5], [2, 3, 2, 3])
    assert diff == 2.0 and low == pytest.approx(2 - 2.447 * math.sqrt(1 / 6), abs=1e-3)   # df = 6
    assert high == pytest.approx(2 + 2.447 * math.sqrt(1 / 6), abs=1e-3)
    assert welch([4], [2, 3]) == (1.5, None, None)
    assert welch([], [1]) == (None, None, None)


def case(statuses, overall=None, dims=None):
    scores = {} if overall is None else {"overall": overall}
    return Case("d", {"technique:x": ("yes", ("r1",)), "technique:y": ("yes", ("r1",)),
                      "participant:g": ("co_designer@involve", ("r2",)), "approach": ("public_decision", ("r3",))},
                statuses, scores, dims or {"domain": "mobility", "public_size": "large", "digital_access": "mixed",
                                            "capacity": "medium"}, True, 1)


def test_a_rule_is_followed_only_when_none_of_its_items_was_dropped():
    assert fate(case({"technique:x": "followed", "technique:y": "followed"}), ["technique:x", "technique:y"]) == \
        "followed"
    assert fate(case({"technique:x": "followed", "technique:y": "dropped"}), ["technique:x", "technique:y"]) == \
        "not_followed"
    assert fate(case({}), ["technique:x"]) == "unknown"


def test_below_the_minimum_nothing_is_a_finding():
    cases = [case({"technique:x": "followed"}, 4.0) for _ in range(4)] + \
            [case({"technique:x": "dropped"}, 2.0) for _ in range(5)]
    b = buckets(cases)[("technique", "x")]
    assert (len(b.followed), len(b.not_followed)) == (4, 5)
    assert not stat(b.followed, "overall", 5).finding and stat(b.not_followed, "overall", 5).finding
    d = difference(b, "overall", 5)
    assert not d.finding and "Too few evaluations" in d.words and "at least 5 of each" in d.words
    assert not share(b, 10).finding and share(b, 9).finding
    roles = buckets(cases)[("role", "co_designer")]
    assert len(roles.unknown) == 9                       # no evaluation said whether the group took part


def test_a_difference_becomes_a_finding_with_enough_on_both_sides():
    cases = [case({"technique:x": "followed"}, v) for v in (4, 4.5, 5, 4, 4.5)] + \
            [case({"technique:x": "dropped"}, v) for v in (2, 2.5, 2, 3, 2.5)]
    d = difference(buckets(cases)[("technique", "x")], "overall", 5)
    assert d.finding and d.low > 0 and d.words.startswith("Where the advice was followed, the overall score was "
                                                          "higher by 2.00")
    same = [case({"technique:x": "followed"}, v) for v in (2, 4, 3, 5, 1)] + \
           [case({"technique:x": "dropped"}, v) for v in (3, 2, 4, 5, 1)]
    d = difference(buckets(same)[("technique", "x")], "overall", 5)
    assert d.finding and d.low < 0 < d.high and d.words.startswith("No clear difference")


def test_intervals_are_cut_at_the_ends_of_the_scale():
    s = stat([case({}, 5.0), case({}, 1.0)], "overall", 1)
    assert (s.low, s.high) == (1.0, 5.0)
