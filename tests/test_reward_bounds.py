"""What GRPO's Rewards box may ask of the server (a security review of a shared server): a regex whose counted repeats
the `regex` package writes out (gigabytes) is refused before it is compiled, a YAML alias bomb before it is expanded,
a long `contains_column` path before the rows are walked for it; refusals quote a typed value cut short, and each
reward kind takes only its own keys. Every case is small: nothing here compiles or expands a bomb."""

from __future__ import annotations

import pytest

from ftlib import column_values, pattern_search
from ftlib.config import ConfigError, RunConfig
from ftlib.reward_config import MAX_REPEAT_UNITS, repeat_units
from ftlib.reward_functions import RewardError
from ftlib.rewards import build_rewards, check_columns

BOMB = "(?:(?:a{1000}){1000}){100}"  # 27 characters; 10^8 copies, ~27 GB when `regex` compiles it


@pytest.fixture
def no_regex_compile(monkeypatch):
    """`regex` (which scores regex rewards) must never see a refused pattern: any use of it fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"the regex package was asked to compile {args[0]!r}")

    monkeypatch.setattr(pattern_search.regex, "search", refuse)
    monkeypatch.setattr(pattern_search.regex, "compile", refuse)


def test_a_regex_whose_counted_repeats_regex_would_write_out_is_refused_when_the_config_is_checked(no_regex_compile):
    with pytest.raises(ConfigError) as err:
        RunConfig(method="grpo", rewards=[{"regex": BOMB}])
    said = str(err.value)
    assert said.startswith(f"`rewards` item 1: {BOMB!r} repeats counted repeats inside each other into over 10,000")
    assert "Use an open repeat (a+, .*, (ab)+) or smaller counts." in said
    with pytest.raises(RewardError, match="into over 10,000 copies"):  # the Train page's preview builds them too
        build_rewards([{"regex": "ok"}, {"regex": "(x{200}y){100}"}], load_models=False)


def test_the_search_refuses_such_a_pattern_before_regex_compiles_it(no_regex_compile):
    """A run's config written before this check (or a pattern given to the search directly) is refused by the
    search itself, not compiled in the server's process."""
    with pytest.raises(RewardError, match=r"^The regex reward '\(\?:\(\?:a\{1000\}\)\{1000\}\)\{100\}' repeats"):
        pattern_search.search(BOMB, "Ahoy there")


@pytest.mark.parametrize(
    "pattern, units",
    [
        ("^Ahoy", 5),
        (r"^\d{1,3}(?:,\d{3}){0,4}$", 3 + 4 * 4 + 2),
        ("(a{100}){100}", 10_000),  # at the bound: accepted
        ("a{3,}b*(?:cd)+", 3 + 1 + 2),  # an open repeat is written once (its lower bound's copies)
        ("(?:a{1000,}){11}", 11_000),  # ... which are written out
        ("(?=x{101}){100}|y", 10_100 + 1),  # inside a lookahead or a branch too
        ("(?P<g>z{0,20000})", 20_000),  # the upper bound counts
    ],
)
def test_counted_copies_are_counted_on_res_parse(pattern, units):
    assert repeat_units(pattern) == units or (units > MAX_REPEAT_UNITS and repeat_units(pattern) > MAX_REPEAT_UNITS)
    accepted = units <= MAX_REPEAT_UNITS
    try:
        RunConfig(method="grpo", rewards=[{"regex": pattern}])
    except ConfigError as exc:
        assert not accepted and "copies" in str(exc)
    else:
        assert accepted


def alias_bomb(levels: int) -> str:
    """Ten aliases a level: 10^levels x's from a few hundred characters (r2_yaml_alias.py at 8 levels: 580 M)."""
    lines = ["a0: &a0 [x,x,x,x,x,x,x,x,x,x]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "- length: {target: 50, note: {" + ", ".join(lines) + "}}\n"


def test_yaml_anchors_and_aliases_are_refused_before_they_are_expanded():
    text = alias_bomb(3)  # 1,000 x's once expanded: small enough to read, were it read
    with pytest.raises(ConfigError) as err:
        RunConfig(method="grpo", rewards=text)
    said = str(err.value)
    assert said.startswith("`rewards` uses a YAML anchor (&a0), which is not read here: an alias repeats what it")
    assert "Write each reward out in full, e.g. [" in said and len(said) < 400
    merged = "- &base {regex: ^Ahoy}\n- {<<: *base, weight: 2}\n"
    with pytest.raises(ConfigError, match=r"`rewards` uses a YAML anchor \(&base\)"):
        RunConfig(method="grpo", rewards=merged)
    with pytest.raises(ConfigError, match=r"`rewards` uses a YAML alias \(\*nowhere\)"):
        RunConfig(method="grpo", rewards="- regex: *nowhere\n")
    assert RunConfig(method="grpo", rewards="- regex: '^A&b*c'\n").rewards == [{"regex": "^A&b*c"}]  # in text: text


@pytest.mark.parametrize(
    "spec, said",
    [
        ({"length": {"target": 50, "note": "x"}}, "`length` takes only `target` (got 'note' too)"),
        ({"not_repeating": {"lines": 2}}, '`not_repeating` takes no options: write {"not_repeating": {}}'),
        ({"regex": "^A", "flags": "i"}, "must name exactly one reward among"),
        ({"contains": "A", "case": False}, "must name exactly one reward among"),
        ({"model": "rm1", "device": "cpu"}, "must name exactly one reward among"),
    ],
    ids=["length", "not_repeating", "regex", "contains", "model"],
)
def test_each_reward_kind_takes_only_its_own_keys(spec, said):
    with pytest.raises(ConfigError) as err:
        RunConfig(method="grpo", rewards=[spec])
    assert said in str(err.value)


@pytest.mark.parametrize(
    "rewards",
    [
        [{"contains": ["x" * 100_000]}],
        [{"contains": "x", "weight": "9" * 100_000}],
        [{"length": {"target": 50, "y" * 100_000: 1}}],
        [{"smell": {"k": ["v" * 100_000] * 50}}],
        ["z" * 100_000],
        "w" * 100_000,
        [{"regex": "(" * 10 + "q" * 100_000}],
    ],
    ids=["value", "weight", "length-key", "unknown-kind", "not-a-mapping", "not-a-list", "bad-regex"],
)
def test_a_refusal_quotes_a_typed_value_cut_short(rewards):
    with pytest.raises(ConfigError) as err:
        RunConfig(method="grpo", rewards=rewards)
    assert len(str(err.value)) < 600, str(err.value)[:300]


def test_a_contains_column_path_is_bounded_before_the_rows_are_walked_for_it():
    sixteen = ".".join(["a"] * 16)
    assert RunConfig(method="grpo", rewards=[{"contains_column": sixteen}]).rewards == [{"contains_column": sixteen}]
    for path in (sixteen + ".a", "a" * 201):
        with pytest.raises(ConfigError, match=r"`contains_column` names a path of .* at most 200 characters and 16"):
            RunConfig(method="grpo", rewards=[{"contains_column": path}])
    long = ".".join(["a"] * 1000)  # r7_dotted_path.py: 44 s over 189 rows before launch
    with pytest.raises(RewardError) as err:
        build_rewards([{"contains_column": long}], load_models=False)
    assert "a path of 1,000 parts (1,999 characters)" in str(err.value) and len(str(err.value)) < 600


def test_the_note_on_a_path_no_row_has_looks_each_row_up_once_per_object_on_its_way(monkeypatch):
    """The pre-launch note (`path_keys`) looked up every head of the path in every row: a path of n parts cost n^2
    steps a row. Only heads with an object at them in some row are looked up now."""
    path, rows = ".".join(["a"] * 300), [{"a": {"b": "4"}, "x": "y"}] * 20
    calls = []
    real = column_values.found
    monkeypatch.setattr(column_values, "found", lambda c, p: calls.append(p) or real(c, p))
    assert column_values.path_keys(path, rows) == "; `a` holds the keys b"
    assert len(calls) <= 2 * len(rows), len(calls)  # was 300 heads x 20 rows and their walks: over 50,000
    calls.clear()
    assert column_values.path_keys(path, [{"answer": "4"}] * 20) == "" and calls == []
    # found's own order: a key with dots of its own is tried whole first
    assert column_values.path_keys("a.b.c.d", [{"a.b": 5, "a": {"b": {"y": 1}}}]) == "; `a` holds the keys b"
    assert column_values.path_keys("a.b.c.d", [{"x": 1}, {"a.b": {"y": 1}}]) == "; `a.b` holds the keys y"


def test_the_check_before_launch_names_a_dotted_path_the_rows_lack_as_before():
    (reward,) = build_rewards([{"contains_column": "reward_model.answer"}], load_models=False)
    rows = [{"reward_model": {"style": "rule", "ground_truth": "6"}}] * 3
    with pytest.raises(RewardError, match=r"holds the keys style, ground_truth: \{\"contains_column\": \"reward_mo"):
        check_columns([reward], rows)
